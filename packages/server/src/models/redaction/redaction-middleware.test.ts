import { generateText, jsonSchema, Output, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { echoModel, seenText } from '../../../test/fixtures/redaction/echo-model.ts';
import { createPersonalDataFinder } from './find-personal-data.ts';
import { createRedactionMiddleware } from './redaction-middleware.ts';
import { createRedactionVault } from './redaction-vault.ts';

const PEOPLE = ['Sam Patel', 'Sam'];
const SECRET = [
  'sam.patel@example.com',
  '+44 20 7946 0958',
  '4111 1111 1111 1111',
  'GB82 WEST 1234 5698 7654 32',
  '221B Baker Street, London NW1 6XE',
  'Sam',
  '51.5033, -0.1276',
];
const MESSAGE = `Sam wrote from sam.patel@example.com: call +44 20 7946 0958, card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, post to 221B Baker Street, London NW1 6XE, or meet at 51.5033, -0.1276.`;

function leaks(text: string): string[] {
  return SECRET.filter((value) =>
    new RegExp(
      `(?<![\\p{L}\\p{N}])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
      'u',
    ).test(text),
  );
}

describe('redaction middleware', () => {
  it('redacts the prompt and restores the answer of doGenerate', async () => {
    const model = echoModel();
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ people: PEOPLE }) }),
      system: 'You help Sam Patel.',
      prompt: MESSAGE,
    });
    const seen = seenText(model.doGenerateCalls[0]?.prompt ?? []);
    expect(leaks(seen)).toEqual([]);
    expect(seen).toContain('You help [PERSON_1].');
    expect(result.text).toBe(MESSAGE);
  });

  it('restores a streamed answer whose placeholders are split across deltas', async () => {
    const model = echoModel();
    const result = streamText({
      model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ people: PEOPLE }) }),
      prompt: MESSAGE,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(leaks(seenText(model.doStreamCalls[0]?.prompt ?? []))).toEqual([]);
    expect(deltas.join('')).toBe(MESSAGE);
    expect(deltas.some((delta) => delta.includes('['))).toBe(false);
  });

  it('gives tools the real values and redacts tool results in the next step', async () => {
    const model = echoModel();
    const received: string[] = [];
    const vault = createRedactionVault({ find: createPersonalDataFinder({ people: PEOPLE }) });
    const result = streamText({
      model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ vault }) }),
      prompt: MESSAGE,
      stopWhen: stepCountIs(3),
      tools: {
        save_note: tool({
          description: 'Saves a note',
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
      },
    });
    expect(await result.text).toBe(MESSAGE);
    expect(received).toEqual([MESSAGE]);
    expect(model.doStreamCalls).toHaveLength(2);
    for (const call of model.doStreamCalls) expect(leaks(seenText(call.prompt))).toEqual([]);
    // The history the second step saw holds the tool call and its result with the same placeholders as before.
    const second = seenText(model.doStreamCalls[1]?.prompt ?? []);
    expect(second).toContain('[EMAIL_1]');
    expect(second).not.toContain('[EMAIL_2]');
    expect(vault.counts()).toEqual({
      person: 1,
      email: 1,
      phone: 1,
      card: 1,
      account: 1,
      address: 1,
      location: 1,
    });
  });

  it('redacts assistant text and tool history given by the caller', async () => {
    const model = echoModel();
    await generateText({
      model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ people: PEOPLE }) }),
      messages: [
        { role: 'user', content: 'Who is it?' },
        { role: 'assistant', content: [{ type: 'text', text: 'It is Sam, at sam.patel@example.com.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: { phone: '+44 20 7946 0958' } },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'c1',
              toolName: 'lookup',
              output: { type: 'json', value: { card: '4111 1111 1111 1111' } },
            },
          ],
        },
        { role: 'user', content: 'Thanks' },
      ],
    });
    const seen = seenText(model.doGenerateCalls[0]?.prompt ?? []);
    expect(leaks(seen)).toEqual([]);
    expect(seen).toContain('[PHONE_1]');
    expect(seen).toContain('[CARD_1]');
  });

  it('restores values inside a JSON answer with JSON escaping', async () => {
    const place = `48°51'30.2"N 2°17'40.2"E`;
    const model = new MockLanguageModelV3({
      doGenerate: async () => ({
        content: [{ type: 'text', text: '{"where":"[LOCATION_1]"}' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        warnings: [],
      }),
    });
    const result = await generateText({
      model: wrapLanguageModel({ model, middleware: createRedactionMiddleware({ people: [] }) }),
      prompt: `Where was the camp? It was at ${place}.`,
      output: Output.object({ schema: z.object({ where: z.string() }) }),
    });
    expect(model.doGenerateCalls[0]?.responseFormat?.type).toBe('json');
    expect(seenText(model.doGenerateCalls[0]?.prompt ?? [])).not.toContain('51');
    expect(result.output).toEqual({ where: place });
  });
});
