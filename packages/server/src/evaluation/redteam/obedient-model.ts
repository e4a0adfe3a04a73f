import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { undatamark } from '../../safety/index.ts';
import { findInstruction, type PlannedCall, planCall } from './instructions.ts';

/** What the obedient model did in one call: the tool calls it made, or the text it answered. */
export type ObedientStep = { kind: 'tools'; calls: PlannedCall[] } | { kind: 'text'; text: string };

type Message = LanguageModelV3Prompt[number];

function textOf(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''))
    .join('\n');
}

/** The text of a tool result part, whatever shape it came in. */
function toolResultText(output: unknown): string {
  if (output && typeof output === 'object' && 'value' in output) {
    const value = (output as { value: unknown }).value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return typeof output === 'string' ? output : JSON.stringify(output ?? '');
}

/** Every string inside a JSON value (a tool result's moments, titles, reasons). */
function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, into);
  return into;
}

/** The texts a fenced tool result holds: the JSON between its tags, read as the model would read it. */
function resultTexts(fenced: string): string[] {
  const body = undatamark(fenced)
    .replace(/^\s*<tool_result[^>]*>\s*/, '')
    .replace(/\s*<\/tool_result>\s*$/, '');
  try {
    return strings(JSON.parse(body)).filter((text) => text.length > 0);
  } catch {
    return [body];
  }
}

/** What a result says about how a call ended, for the final answer: `ok`, `awaiting_confirmation`, … */
function resultStatus(fenced: string): string | null {
  const match = /"status":"([a-z_]+)"/.exec(undatamark(fenced));
  return match?.[1] ?? null;
}

/**
 * Decides one step of a turn from the prompt alone. Step 1: the person's message is done as asked (a question is a
 * memory search). Step 2, after a search: every instruction found in what the search returned is obeyed, each with
 * its matching tool call, carrying the private context the model holds (the person's earlier messages and their own
 * notes). Then it answers with what it found and what became of its calls.
 */
export function decideStep(prompt: LanguageModelV3Prompt): ObedientStep {
  let lastUser = -1;
  prompt.forEach((message, index) => {
    if (message.role === 'user') lastUser = index;
  });
  const person = lastUser >= 0 ? textOf(prompt[lastUser] as Message).trim() : '';
  const earlier = prompt
    .slice(0, Math.max(lastUser, 0))
    .filter((message) => message.role === 'user')
    .map(textOf);
  const turn = prompt.slice(lastUser + 1);
  const steps = turn.filter(
    (message) =>
      message.role === 'assistant' &&
      Array.isArray(message.content) &&
      message.content.some((part) => part.type === 'tool-call'),
  );
  const calledTools = steps.flatMap((message) =>
    Array.isArray(message.content)
      ? message.content.flatMap((part) => (part.type === 'tool-call' ? [part.toolName] : []))
      : [],
  );
  const results = turn.flatMap((message) =>
    message.role === 'tool'
      ? message.content.flatMap((part) =>
          part.type === 'tool-result' ? [{ tool: part.toolName, text: toolResultText(part.output) }] : [],
        )
      : [],
  );

  if (steps.length === 0) {
    const instruction = findInstruction(person) ?? person;
    return { kind: 'tools', calls: [planCall(instruction, { person: true })] };
  }

  if (steps.length === 1 && calledTools.includes('search_memory')) {
    const found = results
      .filter((result) => result.tool === 'search_memory')
      .flatMap((result) => resultTexts(result.text));
    const privateContext = [...earlier, ...found].join('\n');
    const calls: PlannedCall[] = [];
    for (const text of found) {
      const instruction = findInstruction(text);
      if (instruction) calls.push(planCall(instruction, { person: false, privateContext }));
    }
    if (calls.length > 0) return { kind: 'tools', calls };
  }

  const found = results
    .filter((result) => result.tool === 'search_memory')
    .flatMap((result) => resultTexts(result.text))
    .filter(
      (text) =>
        !/^[0-9A-Z]{26}$/.test(text) && !/^(authored|perceived|frame|utterance|note|chat|ok)$/.test(text),
    );
  const outcomes = results
    .filter((result) => result.tool !== 'search_memory')
    .map((result) => `${result.tool}: ${resultStatus(result.text) ?? 'done'}`);
  const parts = [
    found.length ? `From your memory: ${found[0]}` : 'I found nothing in your memory about that.',
    ...(outcomes.length ? [`Actions: ${outcomes.join('; ')}.`] : []),
  ];
  return { kind: 'text', text: parts.join('\n') };
}

const USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 100, noCache: 100, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 20, text: 20, reasoning: undefined },
};

/**
 * The red-team harness's obedient model: a real `LanguageModelV3` (generate and stream, with tool calls as providers
 * send them) that follows every instruction it reads (see `decideStep`). It stands in for the worst model a person
 * could configure; it is never offered to the router outside `familiar redteam`.
 */
export function createObedientModel(): LanguageModelV3 & { readonly calls: PlannedCall[][] } {
  const made: PlannedCall[][] = [];
  let counter = 0;

  function content(options: LanguageModelV3CallOptions): {
    parts: LanguageModelV3Content[];
    finish: 'tool-calls' | 'stop';
  } {
    const step = decideStep(options.prompt);
    if (step.kind === 'text') return { parts: [{ type: 'text', text: step.text }], finish: 'stop' };
    made.push(step.calls);
    return {
      parts: step.calls.map((call) => ({
        type: 'tool-call' as const,
        toolCallId: `obedient-${++counter}`,
        toolName: call.toolName,
        input: JSON.stringify(call.input),
      })),
      finish: 'tool-calls',
    };
  }

  return {
    specificationVersion: 'v3',
    provider: 'familiar-redteam',
    modelId: 'obedient',
    supportedUrls: {},
    calls: made,
    async doGenerate(options) {
      const { parts, finish } = content(options);
      return {
        content: parts,
        finishReason: { unified: finish, raw: finish },
        usage: USAGE,
        warnings: [],
      };
    },
    async doStream(options) {
      const { parts, finish } = content(options);
      const chunks: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      for (const part of parts) {
        if (part.type === 'text') {
          chunks.push(
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: part.text },
            { type: 'text-end', id: 't' },
          );
        } else if (part.type === 'tool-call') chunks.push(part);
      }
      chunks.push({ type: 'finish', finishReason: { unified: finish, raw: finish }, usage: USAGE });
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        }),
      };
    },
  };
}
