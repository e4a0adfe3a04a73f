import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger, createUlidGenerator } from '../src/kernel/index.ts';
import type { Actor } from '../src/memory/index.ts';
import { jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';
import { writeTinyGguf } from './support/tiny-gguf.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** Thursday 26 November 2026, 10:00 in Lisbon (UTC+0 in winter). */
const NOW = Date.parse('2026-11-26T10:00:00Z');
const HOUR = 3_600_000;

const newId = createUlidGenerator();

/** Medium tests of memory on a real data directory: the real extractor, segmentation, SQLite and retriever. */
describe('memory', () => {
  const opened: Familiar[] = [];
  afterEach(async () => {
    for (const familiar of opened.splice(0)) await familiar.close();
  });

  async function setup(env: Record<string, string> = {}) {
    const now = NOW;
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome(), ...env }), {
      logger: createSilentLogger(),
      clock: { now: () => now },
    });
    opened.push(familiar);
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Lisbon' });
    const actor: Actor = { userId: user.id, deviceId: null, label: 'test' };
    const note = async (text: string, at: number, modality: 'note' | 'utterance' = 'note') => {
      const id = newId();
      await familiar.timeline.ingest(actor, [{ id, modality, capturedAt: new Date(at).toISOString(), text }]);
      return id;
    };
    const catchUp = () => familiar.understanding.catchUp({ id: user.id, timezone: user.timezone });
    return { familiar, user, actor, note, catchUp };
  }

  it('keeps both facts when a newer one contradicts an older one: the newer supersedes', async () => {
    const { familiar, actor, note, catchUp } = await setup();
    await note('I live in Lisbon.', NOW - 200 * 24 * HOUR);
    await note('I live in Porto.', NOW - 2 * 24 * HOUR);
    await catchUp();
    const all = await familiar.memory.listFacts(actor, { status: 'all', kind: 'place' });
    const lisbon = all.find((fact) => fact.object === 'Lisbon');
    const porto = all.find((fact) => fact.object === 'Porto');
    expect(porto).toMatchObject({ status: 'active', predicate: 'lives_in', supersededBy: null });
    expect(lisbon).toMatchObject({ status: 'superseded', supersededBy: porto!.id });
    const active = await familiar.memory.listFacts(actor, { kind: 'place' });
    expect(active.map((fact) => fact.object)).toEqual(['Porto']);
  });

  it('forgets facts and search hits that depended only on a deleted observation, and keeps corroborated ones', async () => {
    const { familiar, user, actor, note, catchUp } = await setup();
    const sushi = await note('I love sushi.', NOW - 5 * HOUR);
    const first = await note('I work at Globex.', NOW - 4 * HOUR);
    await note('Still true: I work at Globex.', NOW - 3 * HOUR);
    await catchUp();
    const likes = (await familiar.memory.listFacts(actor, { kind: 'preference' })).find(
      (f) => f.object === 'sushi',
    );
    expect(likes?.sources).toEqual([sushi]);
    const work = (await familiar.memory.listFacts(actor, { about: 'globex' }))[0]!;
    expect(work.sources).toHaveLength(2);

    await familiar.timeline.forget(actor, { kind: 'ids', ids: [sushi, first] });
    expect(await familiar.memory.listFacts(actor, { kind: 'preference' })).toEqual([]);
    expect(
      (await familiar.ask.ask({ userId: user.id, label: 'test', timezone: user.timezone }, 'sushi'))
        .citations,
    ).toEqual([]);
    const still = await familiar.memory.getFact(actor, work.id);
    expect(still.sources).toHaveLength(1);
    expect(still.sources).not.toContain(first);
  });

  it('answers "what did I do last Tuesday" with only last Tuesday’s episodes (fixed clock, Lisbon)', async () => {
    const { familiar, user, note, catchUp } = await setup();
    const monday = Date.parse('2026-11-23T18:00:00Z');
    const tuesday = Date.parse('2026-11-24T00:00:00Z');
    await note('Dentist appointment, then groceries.', monday);
    await note('Morning run along the river with Sam.', tuesday + 7 * HOUR);
    await note('Back from the run, stretched and had coffee.', tuesday + 7.5 * HOUR);
    await note('Dinner at Rita’s place, she cooked a curry.', tuesday + 20 * HOUR);
    await note('Late night: finished the book about whales.', tuesday + 23.9 * HOUR);
    await note('Wednesday standup about the release.', tuesday + 33 * HOUR);
    await catchUp();
    const answer = await familiar.ask.ask(
      { userId: user.id, label: 'test', timezone: user.timezone },
      'What did I do last Tuesday?',
    );
    expect(answer.time).toMatchObject({ fromMs: tuesday, toMs: tuesday + 24 * HOUR });
    expect(answer.episodes.length).toBeGreaterThanOrEqual(2);
    for (const episode of answer.episodes) {
      expect(episode.startedAt).toBeGreaterThanOrEqual(tuesday);
      expect(episode.endedAt).toBeLessThan(tuesday + 24 * HOUR);
    }
    expect(answer.answer).toContain('Tue 24 Nov 2026');
    expect(answer.answer).not.toContain('Dentist');
    expect(answer.answer).not.toContain('standup');
  });

  it('re-segments around new observations and keeps an episode title the person wrote', async () => {
    const { familiar, actor, note, catchUp } = await setup();
    const start = NOW - 10 * HOUR;
    await note('Planning the garden: tomatoes along the fence.', start);
    await catchUp();
    const [episode] = await familiar.memory.listEpisodes(actor);
    await familiar.memory.editEpisode(actor, episode!.id, { title: 'Garden planning' });
    await note('Garden: basil goes next to the tomatoes.', start + 10 * 60_000);
    await note('Afternoon call with the bank about the mortgage.', start + 5 * HOUR);
    await catchUp();
    const episodes = await familiar.memory.listEpisodes(actor);
    expect(episodes).toHaveLength(2);
    expect(episodes[0]).toMatchObject({
      id: episode!.id,
      title: 'Garden planning',
      observationCount: 2,
      edited: true,
    });
    expect(episodes[1]!.title).not.toBe('Garden planning');
  });

  it('serves facts, episodes and people over HTTP with corrections and deletions, scoped to their user', async () => {
    const { familiar, user, actor, note, catchUp } = await setup();
    const now = Date.now();
    await familiar.people.add({
      id: newId(),
      userId: user.id,
      name: 'Tom',
      aliases: [],
      optedOut: false,
      createdAt: now,
      updatedAt: now,
    });
    await note('Tom is my manager.', NOW - 6 * HOUR);
    await note('I live in Lisbon.', NOW - 6 * HOUR + 5 * 60_000);
    await catchUp();
    await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    const ada = (await familiar.accounts.addDevice({ userName: 'ada', name: 'phone' })).token;
    const bo = (await familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
    const app = createHttpApp(familiar);
    const call = async (path: string, token: string, init: RequestInit = {}): Promise<JsonResponse> =>
      app.request(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    const patch = (path: string, token: string, body: unknown) => {
      const request = jsonRequest(token, body);
      return call(path, token, { ...request, method: 'PATCH' });
    };

    const facts = (await (await call('/v1/facts', ada)).json()).facts;
    const lives = facts.find((fact: { predicate: string }) => fact.predicate === 'lives_in');
    expect(lives).toMatchObject({ object: 'Lisbon', status: 'active', trust: 'authored' });
    expect((await call(`/v1/facts/${lives.id}`, bo)).status).toBe(404);
    expect((await call('/v1/facts', bo).then((r) => r.json())).facts).toEqual([]);

    const corrected = await patch(`/v1/facts/${lives.id}`, ada, { object: 'Porto' });
    expect(corrected.status).toBe(200);
    const body = await corrected.json();
    expect(body.fact).toMatchObject({ object: 'Porto', origin: 'person', status: 'active' });
    expect(body.superseded).toMatchObject({ id: lives.id, status: 'superseded', supersededBy: body.fact.id });
    expect((await patch(`/v1/facts/${lives.id}`, ada, {})).status).toBe(422);
    expect((await patch(`/v1/facts/${lives.id}`, ada, { object: 'Faro' })).status).toBe(409);
    expect((await call(`/v1/facts/${body.fact.id}`, ada, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`/v1/facts/${lives.id}`, ada).then((r) => r.json())).status).toBe('active');

    const people = (await (await call('/v1/people', ada)).json()).people;
    expect(people).toEqual([expect.objectContaining({ name: 'Tom', relationship: 'manager' })]);
    const tom = people[0];
    expect(tom.lastMentionedAt).not.toBeNull();
    const edited = await patch(`/v1/people/${tom.id}`, ada, {
      relationship: 'friend',
      importantDates: [{ label: 'birthday', date: '--03-14' }],
    });
    expect(await edited.json()).toMatchObject({
      relationship: 'friend',
      importantDates: [{ label: 'birthday' }],
    });
    expect(
      (await patch(`/v1/people/${tom.id}`, ada, { importantDates: [{ label: 'x', date: 'soon' }] })).status,
    ).toBe(422);
    expect((await call(`/v1/people/${tom.id}`, bo)).status).toBe(404);
    const shown = await (await call(`/v1/people/${tom.id}`, ada)).json();
    expect(shown.facts.map((fact: { predicate: string }) => fact.predicate)).toContain('has_relationship');
    expect((await call(`/v1/people/${tom.id}`, ada, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`/v1/people/${tom.id}`, ada)).status).toBe(404);

    const episodes = (await (await call('/v1/episodes', ada)).json()).episodes;
    expect(episodes).toHaveLength(1);
    expect((await call(`/v1/episodes/${episodes[0].id}`, bo)).status).toBe(404);
    const one = await (await call(`/v1/episodes/${episodes[0].id}`, ada)).json();
    expect(one.observations).toHaveLength(2);
    const deleted = await call(`/v1/episodes/${episodes[0].id}`, ada, { method: 'DELETE' });
    expect(await deleted.json()).toMatchObject({ deleted: { episodes: 1, observations: 2 } });
    expect(await familiar.timeline.count(user.id)).toBe(0);
    expect(await familiar.memory.listFacts(actor, { status: 'all' })).toEqual([]);
  });

  it('re-embeds every observation when the embedding model changes (hashing, then an in-process GGUF)', async () => {
    const home = tempHome();
    const open = (env: Record<string, string>) => {
      const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home, ...env }), {
        logger: createSilentLogger(),
        clock: { now: () => NOW },
      });
      opened.push(familiar);
      return familiar;
    };
    const first = open({ FAMILIAR_EMBEDDER: 'hashing' });
    const user = await first.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    const actor = { userId: user.id, deviceId: null, label: 'test' };
    await first.timeline.ingest(
      actor,
      ['Picked up the dry cleaning.', 'Booked the vet for Friday.', 'Pasta with pesto for dinner.'].map(
        (text, i) => ({
          id: newId(),
          modality: 'note' as const,
          capturedAt: new Date(NOW - (3 - i) * HOUR).toISOString(),
          text,
        }),
      ),
    );
    const hashed = await first.understanding.catchUp({ id: user.id, timezone: user.timezone });
    expect(hashed).toMatchObject({ embedded: 3, embeddingsPending: 0 });
    const asked = await first.ask.ask({ userId: user.id, label: 'test', timezone: 'UTC' }, 'vet appointment');
    expect(asked.citations[0]?.text).toBe('Booked the vet for Friday.');
    expect((await first.retriever.retrieve({ id: user.id, timezone: 'UTC' }, 'vet')).paths).toEqual([
      'lexical',
      'vector',
    ]);
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const model = join(home, 'tiny-embedding.gguf');
    writeTinyGguf(model);
    writeFileSync(join(home, 'familiar.config.json'), JSON.stringify({ retrieval: { vectorWeight: 2 } }));
    const second = open({ FAMILIAR_EMBEDDER: 'gguf', FAMILIAR_EMBED_GGUF: model });
    expect(second.retriever.options.vectorWeight).toBe(2);
    expect((await second.status()).memory.embeddings).toBe('llama-cpp:tiny-embedding (in-process)');
    const again = await second.understanding.catchUp({ id: user.id, timezone: user.timezone });
    expect(again).toMatchObject({ observations: 0, embedded: 3, embeddingsPending: 0 });
    expect((await second.understanding.catchUp({ id: user.id, timezone: user.timezone })).embedded).toBe(0);
    // Hybrid retrieval runs end to end on the in-process model (random weights: plumbing, not quality).
    const found = await second.retriever.retrieve({ id: user.id, timezone: 'UTC' }, 'vet appointment', {
      limit: 3,
    });
    expect(found.paths).toEqual(['lexical', 'vector']);
    expect(found.hits[0]?.observation.text).toBe('Booked the vet for Friday.');
    expect(found.hits.some((hit) => hit.signals.includes('vector'))).toBe(true);
  });

  it('exports what the person told memory (corrections, episode titles, relationships) and imports it back', async () => {
    const { familiar, user, actor, note, catchUp } = await setup();
    const now = Date.now();
    await familiar.people.add({
      id: newId(),
      userId: user.id,
      name: 'Rita',
      aliases: [],
      optedOut: false,
      createdAt: now,
      updatedAt: now,
    });
    await note('I live in Lisbon.', NOW - 3 * HOUR);
    await note('Rita is my friend.', NOW - 3 * HOUR + 60_000);
    await catchUp();
    const lives = (await familiar.memory.listFacts(actor, { kind: 'place' }))[0]!;
    await familiar.memory.correctFact(actor, lives.id, { object: 'Porto' });
    const [episode] = await familiar.memory.listEpisodes(actor);
    await familiar.memory.editEpisode(actor, episode!.id, { title: 'Moving day' });
    const rita = await familiar.memory.findPerson(actor, 'Rita');
    await familiar.memory.editPerson(actor, rita.id, {
      importantDates: [{ label: 'birthday', date: '--06-02' }],
    });
    const dir = join(tempHome(), 'export');
    const counts = await familiar.archive.exportDirectory(user, dir);
    expect(counts).toMatchObject({ observations: 2, people: 1, facts: 1, episodes: 1 });

    const other = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome() }), {
      logger: createSilentLogger(),
      clock: { now: () => NOW },
    });
    opened.push(other);
    const imported = await other.archive.importDirectory(dir);
    expect(imported).toMatchObject({ observations: 2, people: 1, facts: 1, episodes: 1 });
    const owner = (await other.accounts.listUsers())[0]!;
    const otherActor = { userId: owner.id, deviceId: null, label: 'test' };
    const places = await other.memory.listFacts(otherActor, { kind: 'place', status: 'all' });
    expect(places.find((fact) => fact.status === 'active')).toMatchObject({
      object: 'Porto',
      origin: 'person',
    });
    expect(places.find((fact) => fact.object === 'Lisbon')).toMatchObject({ status: 'superseded' });
    expect((await other.memory.listEpisodes(otherActor))[0]).toMatchObject({
      title: 'Moving day',
      edited: true,
    });
    const restored = await other.memory.findPerson(otherActor, 'Rita');
    expect(restored).toMatchObject({
      relationship: 'friend',
      importantDates: [{ label: 'birthday', date: '--06-02' }],
    });
    expect(await other.archive.importDirectory(dir)).toMatchObject({ inserted: 0, facts: 0 });
  });
});
