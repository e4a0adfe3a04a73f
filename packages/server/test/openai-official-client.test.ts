import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';

const NOTE_TEXT = 'The plumber is coming on Thursday at 8 to fix the boiler';

/** The chat endpoint through the official `openai` client, as any OpenAI-compatible app would call it. */
describe('OpenAI-compatible endpoint with the official openai client', () => {
  let server: RunningServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_PORT: '0' }),
      createSilentLogger(),
    );
    await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/London' });
    const { token } = await server.familiar.accounts.addDevice({ userName: 'ada', name: 'laptop' });
    const note = clientObservation(NOTE_TEXT, { capturedAt: '2026-11-20T10:00:00Z' });
    const stored = await fetch(`${server.url}/v1/observations`, jsonRequest(token, { observations: [note] }));
    expect(stored.status).toBe(200);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: token, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('lists the familiar model', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('familiar');
  });

  it('answers a completion from memory, citing the note', async () => {
    const completion = await client.chat.completions.create({
      model: 'familiar',
      messages: [{ role: 'user', content: 'When is the plumber coming?' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.content).toContain(NOTE_TEXT);
  });

  it('streams a completion chunk by chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'familiar',
      messages: [{ role: 'user', content: 'When is the plumber coming?' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toContain(NOTE_TEXT);
    expect(finish).toBe('stop');
  });

  it('refuses a bad key and an unknown model with OpenAI errors', async () => {
    const stranger = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-a-token', maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: 'familiar', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
