import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger, createUlidGenerator } from '../src/kernel/index.ts';
import { tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonBody = any;

const GOAL_SET = Date.parse('2026-11-26T06:00:00Z');
const MORNING = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;
const newId = createUlidGenerator();

/**
 * `GET /v1/observations/:id/dependents` and `GET /v1/search` through `app.request()` on a real SQLite home: the preview
 * of a forget lists exactly what the forget then removes (facts, episodes, inbox items, inferred progress), and
 * changes nothing itself; search finds a moment until it is forgotten.
 */
describe('forget preview and search over HTTP', () => {
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let ada: string;
  let bo: string;
  let now = GOAL_SET;

  const call = async (
    method: string,
    path: string,
    token: string,
  ): Promise<{ status: number; body: JsonBody }> => {
    const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  };

  beforeEach(async () => {
    now = GOAL_SET;
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome() }), {
      logger: createSilentLogger(),
      clock: { now: () => now },
    });
    app = createHttpApp(familiar);
    await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Lisbon' });
    await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    ada = (await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  });
  afterEach(async () => {
    await familiar.close();
  });

  async function seed() {
    const user = (await familiar.accounts.listUsers()).find((u) => u.name === 'ada')!;
    const actor = { userId: user.id, deviceId: null, label: 'test', timezone: user.timezone };
    const goal = await familiar.assistant.addGoal(actor, { text: 'run a 10k' });
    now = MORNING + 30 * MINUTE;
    const say = async (text: string, at: number, modality: 'utterance' | 'note' = 'utterance') => {
      const id = newId();
      await familiar.timeline.ingest(actor, [{ id, modality, capturedAt: new Date(at).toISOString(), text }]);
      return id;
    };
    const deck = await say("I'll send Sam the deck tomorrow", MORNING);
    const run = await say('ran 5k this morning', MORNING + MINUTE);
    const lisbon = await say('I live in Lisbon', MORNING + 2 * MINUTE, 'note');
    const lisbonAgain = await say('I live in Lisbon', MORNING + 3 * MINUTE, 'note');
    // Alone, hours later: its episode holds nothing else.
    const alone = await say('the spare keys are in the blue bowl', MORNING + 5 * 60 * MINUTE, 'note');
    await familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
    await familiar.assistant.catchUp({ id: user.id, timezone: user.timezone });
    return { actor, goal: goal.goal, deck, run, lisbon, lisbonAgain, alone };
  }

  it('lists what a forget takes with it, changes nothing, and matches what the forget then does', async () => {
    const { deck, run, lisbon, alone } = await seed();

    const deckPreview = await call('GET', `/v1/observations/${deck}/dependents`, ada);
    expect(deckPreview.status, JSON.stringify(deckPreview.body)).toBe(200);
    expect(deckPreview.body.observation.id).toBe(deck);
    const removedItems: JsonBody[] = deckPreview.body.inbox.removed;
    expect(removedItems.map((item) => item.kind)).toContain('commitment');
    expect(removedItems.every((item) => item.sources.includes(deck))).toBe(true);
    const removedFacts: JsonBody[] = deckPreview.body.facts.removed;
    expect(removedFacts.length).toBeGreaterThan(0);
    expect(removedFacts.every((fact) => fact.sources.length === 1 && fact.sources[0] === deck)).toBe(true);
    // The deck and the run were said a minute apart: one episode with other moments, which shrinks.
    expect(deckPreview.body.episodes.removed).toEqual([]);
    expect(deckPreview.body.episodes.shrunk).toHaveLength(1);

    const runPreview = await call('GET', `/v1/observations/${run}/dependents`, ada);
    expect(runPreview.body.progress.removed).toHaveLength(1);
    expect(runPreview.body.progress.removed[0].entry.sources).toEqual([run]);
    expect(runPreview.body.progress.removed[0].goal.title).toMatch(/10k/i);

    const lisbonPreview = await call('GET', `/v1/observations/${lisbon}/dependents`, ada);
    expect(lisbonPreview.body.facts.removed).toEqual([]);
    expect(lisbonPreview.body.facts.keptWithOtherSources.map((fact: JsonBody) => fact.object)).toContain(
      'Lisbon',
    );

    const alonePreview = await call('GET', `/v1/observations/${alone}/dependents`, ada);
    expect(alonePreview.body.episodes.removed).toHaveLength(1);
    expect(alonePreview.body.episodes.shrunk).toEqual([]);

    // Previewing changed nothing.
    for (const fact of removedFacts)
      expect((await call('GET', `/v1/facts/${fact.id}`, ada)).status).toBe(200);
    for (const item of removedItems)
      expect((await call('GET', `/v1/inbox/${item.id}`, ada)).status).toBe(200);

    // The forget removes exactly what was listed, and keeps the fact that has another source.
    expect((await call('DELETE', `/v1/observations/${deck}`, ada)).status).toBe(200);
    for (const fact of removedFacts)
      expect((await call('GET', `/v1/facts/${fact.id}`, ada)).status).toBe(404);
    for (const item of removedItems)
      expect((await call('GET', `/v1/inbox/${item.id}`, ada)).status).toBe(404);
    const shrunk = deckPreview.body.episodes.shrunk[0];
    const after = await call('GET', `/v1/episodes/${shrunk.id}`, ada);
    expect(after.status).toBe(200);
    expect(after.body.observationCount).toBe(shrunk.observationCount - 1);

    expect((await call('DELETE', `/v1/observations/${lisbon}`, ada)).status).toBe(200);
    const kept = lisbonPreview.body.facts.keptWithOtherSources.find(
      (fact: JsonBody) => fact.object === 'Lisbon',
    );
    expect((await call('GET', `/v1/facts/${kept.id}`, ada)).status).toBe(200);
  });

  // A shrunk episode's title and summary were written from all its moments: after the forget they are written again
  // from the moments it keeps, so "forget" forgets there too; the episode stays the extractive one, not the person's.
  it('re-describes an episode that shrinks, so it no longer quotes the forgotten words', async () => {
    const { deck, run } = await seed();
    const preview = await call('GET', `/v1/observations/${deck}/dependents`, ada);
    const shrunk = preview.body.episodes.shrunk[0];
    expect(shrunk.summary).toContain('deck');
    expect((await call('DELETE', `/v1/observations/${deck}`, ada)).status).toBe(200);
    const after = await call('GET', `/v1/episodes/${shrunk.id}`, ada);
    expect(after.status).toBe(200);
    expect(`${after.body.title} ${after.body.summary}`).not.toMatch(/deck|Sam/);
    expect(after.body.summary).toMatch(/ran 5k|Lisbon/);
    expect(after.body).toMatchObject({ observationCount: shrunk.observationCount - 1, edited: false });
    expect(after.body.observations.map((observation: JsonBody) => observation.id)).toContain(run);
    expect(after.body.observations.map((observation: JsonBody) => observation.id)).not.toContain(deck);
  });

  it('re-describes an episode that retention shrinks, as a forget does', async () => {
    const { actor, deck, lisbon } = await seed();
    const shrunk = (await call('GET', `/v1/observations/${deck}/dependents`, ada)).body.episodes.shrunk[0];
    // Utterances past their retention go (the deck and the run); the notes of the same episode stay.
    const result = await familiar.timeline.forget(
      { userId: actor.userId, deviceId: null, label: 'retention' },
      { kind: 'expired', modality: 'utterance', beforeMs: MORNING + 2 * MINUTE },
    );
    expect(result.observations).toBe(2);
    const after = await call('GET', `/v1/episodes/${shrunk.id}`, ada);
    expect(after.body.observations.map((observation: JsonBody) => observation.id)).toContain(lisbon);
    expect(after.body.observationCount).toBe(shrunk.observationCount - 2);
    expect(`${after.body.title} ${after.body.summary}`).not.toMatch(/deck|Sam|5k/);
    expect(after.body.summary).toContain('Lisbon');
  });

  it("keeps the person's own title and summary when their episode shrinks", async () => {
    const { deck } = await seed();
    const shrunk = (await call('GET', `/v1/observations/${deck}/dependents`, ada)).body.episodes.shrunk[0];
    const response = await app.request(`/v1/episodes/${shrunk.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ada}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'My Thursday morning', summary: 'Planning and a run.' }),
    });
    expect(response.status).toBe(200);
    await call('DELETE', `/v1/observations/${deck}`, ada);
    const after = await call('GET', `/v1/episodes/${shrunk.id}`, ada);
    expect(after.body).toMatchObject({
      title: 'My Thursday morning',
      summary: 'Planning and a run.',
      edited: true,
      observationCount: shrunk.observationCount - 1,
    });
  });

  it("answers 404 for an unknown id and for another user's observation", async () => {
    const { deck } = await seed();
    expect((await call('GET', `/v1/observations/${deck}/dependents`, bo)).status).toBe(404);
    expect((await call('GET', `/v1/observations/${newId()}/dependents`, ada)).status).toBe(404);
    expect((await call('GET', '/v1/observations/not-an-id/dependents', ada)).status).toBe(404);
  });

  it('searches memory without a model, audits the count, and stops finding a forgotten moment', async () => {
    const { alone } = await seed();
    const found = await call('GET', `/v1/search?q=${encodeURIComponent('spare keys')}`, ada);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.moments[0].observation).toMatchObject({ id: alone, modality: 'note' });
    expect(found.body.moments[0].mediaUrl).toBeNull();
    expect((await call('GET', '/v1/search?q=keys', bo)).body.moments).toEqual([]);

    const audit = await call('GET', '/v1/audit?action=memory.search', ada);
    expect(audit.body.events[0]).toMatchObject({ action: 'memory.search', details: { count: 1 } });
    expect(JSON.stringify(audit.body.events[0])).not.toContain('keys');

    await call('DELETE', `/v1/observations/${alone}`, ada);
    const after = await call('GET', '/v1/search?q=spare%20keys', ada);
    expect(after.body.moments.map((moment: JsonBody) => moment.observation.id)).not.toContain(alone);

    expect((await call('GET', '/v1/search?q=%20', ada)).status).toBe(422);
    expect((await call('GET', '/v1/search?q=x&foo=1', ada)).status).toBe(422);
  });
});
