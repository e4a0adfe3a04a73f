import { generateText, jsonSchema, tool, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import {
  leakedValues,
  loadRedactionCorpus,
  type RedactionCorpusItem,
} from '../../../test/fixtures/redaction/corpus.ts';
import { echoModel, seenText } from '../../../test/fixtures/redaction/echo-model.ts';
import { createInMemoryAuditLog } from '../../audit/index.ts';
import { systemClock } from '../../kernel/index.ts';
import { createModelRunner, type ModelEvent } from '../model-runner.ts';
import { configuredModels, parseModelsConfig } from '../models-config.ts';
import { REDACTION_CATEGORIES, type RedactionCategory } from './categories.ts';
import { redactionTermsFor } from './people-terms.ts';
import { createRedactionMiddleware } from './redaction-middleware.ts';

const corpus = loadRedactionCorpus();
const people = redactionTermsFor(corpus.people);

/** The real runner over one model configured as a cloud model (an OpenAI-compatible endpoint on the internet). */
function cloudRunner() {
  const config = parseModelsConfig({
    providers: [
      {
        id: 'cloud',
        type: 'openai-compatible',
        baseUrl: 'https://llm.example.com/v1',
        models: [{ name: 'echo' }],
      },
    ],
  });
  const models = configuredModels(config, []);
  const model = echoModel();
  const audit = createInMemoryAuditLog();
  const runner = createModelRunner({
    models,
    policy: { openOnly: false, allowPrivate: [] },
    audit,
    clock: systemClock,
    timeoutMs: 5_000,
    createModel: () => model,
    redactionTerms: async () => people,
  });
  return { runner, model, audit, models };
}

const call = (prompt: string) =>
  ({
    userId: 'user-1',
    actor: 'test',
    task: 'ask',
    sensitivity: 'personal',
    dataClasses: ['note'],
    prompt,
  }) as const;

async function streamed(events: AsyncIterable<ModelEvent>): Promise<string> {
  let text = '';
  for await (const event of events) if (event.type === 'text-delta') text += event.text;
  return text;
}

const saveNote = (received: string[]) => ({
  save_note: tool({
    description: 'Saves a note for the person',
    inputSchema: jsonSchema<{ text: string }>({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    }),
    execute: async ({ text }) => {
      received.push(text);
      return { saved: text };
    },
  }),
});

interface Outcome {
  item: RedactionCorpusItem;
  leaked: string[];
  problems: string[];
}

/** Runs one item as a stream, as a call with a tool, and (through the middleware alone) as doGenerate. */
async function runItem(item: RedactionCorpusItem): Promise<Outcome> {
  const problems: string[] = [];
  const leaked = new Set<string>();
  const { runner, model } = cloudRunner();

  const reply = await streamed(runner.stream(call(item.text)));
  if (reply !== item.text) problems.push(`stream reply "${reply}"`);

  const received: string[] = [];
  const answer = await runner.tools({ ...call(item.text), tools: saveNote(received) });
  if (received[0] !== item.text) problems.push(`tool received "${received[0]}"`);
  if (answer.text !== item.text) problems.push(`tool-call answer "${answer.text}"`);

  const generated = await generateText({
    model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ people }) }),
    prompt: item.text,
  });
  if (generated.text !== item.text) problems.push(`generate reply "${generated.text}"`);

  for (const seen of [...model.doStreamCalls, ...model.doGenerateCalls]) {
    for (const value of leakedValues(seenText(seen.prompt), item.values)) leaked.add(value);
  }
  return { item, leaked: [...leaked], problems };
}

describe('redaction corpus through the runner and a recording cloud model', () => {
  const results = new Map<RedactionCategory, Outcome[]>();

  for (const category of REDACTION_CATEGORIES) {
    it(`keeps at least 98 % of ${category} items from the model and restores every reply exactly`, async () => {
      const outcomes: Outcome[] = [];
      for (const item of corpus.categories[category] ?? []) outcomes.push(await runItem(item));
      results.set(category, outcomes);
      const replaced = outcomes.filter((outcome) => outcome.leaked.length === 0).length;
      const leaks = outcomes
        .filter((outcome) => outcome.leaked.length > 0)
        .map((outcome) => outcome.item.text);
      expect(replaced / outcomes.length, `leaked: ${leaks.join(' | ')}`).toBeGreaterThanOrEqual(0.98);
      expect(
        outcomes.flatMap((outcome) => outcome.problems.map((problem) => `${outcome.item.text}: ${problem}`)),
      ).toEqual([]);
    });
  }

  it('passes every must-not-change text to the model unchanged', async () => {
    const changed: string[] = [];
    for (const text of corpus.mustNotChange) {
      const { runner, model } = cloudRunner();
      const reply = await streamed(runner.stream(call(text)));
      const seen = model.doStreamCalls[0]?.prompt.at(-1);
      const sent =
        seen?.role === 'user'
          ? seen.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
          : '';
      if (sent !== text || reply !== text) changed.push(`${text} → ${sent}`);
    }
    expect(changed).toEqual([]);
  });

  it('records what was redacted in the audit log, as counts per category and never the values', async () => {
    const { runner, audit } = cloudRunner();
    const text = corpus.categories.email?.[0]?.text ?? '';
    await streamed(runner.stream(call(`${text} Sam will pay.`)));
    await runner.tools({ ...call(text), tools: saveNote([]) });
    expect(audit.events.map((event) => event.details?.redaction)).toEqual([
      { enabled: true, counts: { email: 1, person: 1 } },
      { enabled: true, counts: { email: 1 } },
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('sam.patel@example.com');
  });
});
