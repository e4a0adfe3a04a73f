import { describe, expect, it } from 'vitest';
import type { FactStore, NewFact } from './fact-store.ts';
import type { TimelineStore } from './timeline-store.ts';
import type { NewObservation } from './types.ts';

/**
 * What a contract run needs: a fresh fact store and the timeline it shares its data with (sources are write
 * positions on that timeline), with the two users `alice` and `bob` already known.
 */
export type FactStorePairFactory = () => Promise<{ timeline: TimelineStore; facts: FactStore }>;

const T0 = Date.parse('2026-11-02T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let counter = 0;

/** A fresh ULID-shaped id that sorts after the previous one. */
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(24, '0')}`;
}

function claim(overrides: Partial<NewFact> = {}): NewFact {
  return {
    id: nextId('FA'),
    kind: 'preference',
    subject: 'Ana',
    predicate: 'likes',
    object: 'coffee',
    slot: null,
    statement: 'Ana likes coffee',
    validFrom: null,
    validTo: null,
    observedAt: T0,
    trust: 'perceived',
    confidence: 0.8,
    origin: 'extracted',
    personId: null,
    createdAt: T0,
    ...overrides,
  };
}

/** A claim in the slot `ana:lives_in`, where a different city contradicts. */
function residence(city: string, at: number, overrides: Partial<NewFact> = {}): NewFact {
  return claim({
    kind: 'place',
    predicate: 'lives_in',
    object: city,
    slot: 'ana:lives_in',
    statement: `Ana lives in ${city}`,
    observedAt: at,
    createdAt: at,
    ...overrides,
  });
}

/** Writes notes to the user's timeline and returns their ids and write positions, in the order given. */
async function observe(
  timeline: TimelineStore,
  userId: string,
  ...texts: string[]
): Promise<Array<{ id: string; seq: number }>> {
  const notes: NewObservation[] = texts.map((text, i) => ({
    id: nextId('OB'),
    deviceId: null,
    modality: 'note',
    capturedAt: T0 + i * 60_000,
    receivedAt: T0 + i * 60_000,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
  }));
  await timeline.insertObservations(userId, notes);
  const seqs = new Map(
    (await timeline.readSince(userId, 0, 10_000)).map((entry) => [entry.observation.id, entry.seq]),
  );
  return notes.map((note) => ({ id: note.id, seq: seqs.get(note.id)! }));
}

const sorted = (ids: readonly string[]) => [...ids].sort();

/** The behaviour every FactStore adapter must show; run it from each adapter's test file. */
export function describeFactStoreContract(name: string, makePair: FactStorePairFactory): void {
  describe(`FactStore contract: ${name}`, () => {
    it('records a new claim linked to the user’s own observations, and reads it back', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'Ana loves coffee');
      const [theirs] = await observe(timeline, 'bob', 'not yours');
      const fact = claim({ personId: 'P1' });
      const outcome = await facts.record('alice', fact, [a!.seq, theirs!.seq, 999_999_999]);
      const expected = {
        ...fact,
        userId: 'alice',
        status: 'active',
        supersededBy: null,
        updatedAt: fact.createdAt,
        sources: [a!.id],
      };
      expect(outcome).toEqual({ outcome: 'created', fact: expected, superseded: [] });
      expect(await facts.get('alice', fact.id)).toEqual(expected);
      expect(await facts.get('alice', 'FA-unknown')).toBeNull();
    });

    it('corroborates the same slot-less claim however it is cased or punctuated, and keeps other claims apart', async () => {
      const { timeline, facts } = await makePair();
      const [a, b, c] = await observe(timeline, 'alice', 'one', 'two', 'three');
      const first = claim({ object: 'Black  coffee!' });
      await facts.record('alice', first, [a!.seq]);
      const again = await facts.record(
        'alice',
        claim({ subject: 'ana', object: 'black coffee', trust: 'authored' }),
        [b!.seq, a!.seq],
      );
      expect(again.outcome).toBe('corroborated');
      expect(again.fact.id).toBe(first.id);
      expect(sorted(again.fact.sources)).toEqual(sorted([a!.id, b!.id]));
      expect(again.fact.trust).toBe('authored');
      const other = await facts.record('alice', claim({ object: 'tea', statement: 'Ana likes tea' }), [
        c!.seq,
      ]);
      expect(other.outcome).toBe('created');
      expect((await facts.list('alice')).map((fact) => fact.object).sort()).toEqual([
        'Black  coffee!',
        'tea',
      ]);
    });

    it('keeps the same slot-less commitment apart when it is a new occasion: another due date, or said days later', async () => {
      const { timeline, facts } = await makePair();
      const [a, b, c, d] = await observe(timeline, 'alice', 'one', 'two', 'three', 'four');
      const milk = (overrides: Partial<NewFact>) =>
        claim({
          kind: 'commitment',
          subject: 'self',
          predicate: 'will',
          object: 'buy milk',
          statement: 'You will buy milk',
          ...overrides,
        });
      const monday = milk({});
      expect((await facts.record('alice', monday, [a!.seq])).outcome).toBe('created');
      // Said again an hour later with no due time: the same commitment.
      const again = await facts.record('alice', milk({ observedAt: T0 + 3_600_000 }), [b!.seq]);
      expect(again.outcome).toBe('corroborated');
      expect(again.fact.id).toBe(monday.id);
      // Two days later: a new errand.
      const wednesday = await facts.record('alice', milk({ observedAt: T0 + 2 * 86_400_000 }), [c!.seq]);
      expect(wednesday.outcome).toBe('created');
      // With another due time: another commitment, whenever it was said.
      const dated = await facts.record('alice', milk({ validFrom: T0 + 86_400_000 }), [d!.seq]);
      expect(dated.outcome).toBe('created');
      expect(await facts.list('alice', { kind: 'commitment' })).toHaveLength(3);
    });

    it('supersedes the older claim when a newer one contradicts it in the same slot, keeping both', async () => {
      const { timeline, facts } = await makePair();
      const [a, b, c] = await observe(timeline, 'alice', 'one', 'two', 'three');
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY);
      await facts.record('alice', lisbon, [a!.seq]);
      expect(await facts.record('alice', porto, [b!.seq])).toMatchObject({
        outcome: 'created',
        fact: { id: porto.id, status: 'active' },
        superseded: [lisbon.id],
      });
      expect(await facts.get('alice', lisbon.id)).toMatchObject({
        status: 'superseded',
        supersededBy: porto.id,
        updatedAt: porto.createdAt,
        sources: [a!.id],
      });
      expect((await facts.list('alice')).map((fact) => fact.id)).toEqual([porto.id]);
      expect((await facts.list('alice', { status: 'all' })).map((fact) => fact.id)).toEqual([
        porto.id,
        lisbon.id,
      ]);
      const agreeing = await facts.record('alice', residence('porto.', T0 + 2 * DAY), [c!.seq]);
      expect(agreeing.outcome).toBe('corroborated');
      expect(agreeing.fact.id).toBe(porto.id);
      expect(sorted(agreeing.fact.sources)).toEqual(sorted([b!.id, c!.id]));
    });

    it('stores an older contradicting claim that arrives late as outdated', async () => {
      const { timeline, facts } = await makePair();
      const [a, b] = await observe(timeline, 'alice', 'one', 'two');
      const porto = residence('Porto', T0 + DAY);
      const lisbon = residence('Lisbon', T0);
      await facts.record('alice', porto, [b!.seq]);
      const outcome = await facts.record('alice', lisbon, [a!.seq]);
      expect(outcome).toMatchObject({
        outcome: 'outdated',
        fact: { id: lisbon.id, status: 'superseded', supersededBy: porto.id, sources: [a!.id] },
      });
      expect(await facts.get('alice', porto.id)).toMatchObject({ status: 'active', supersededBy: null });
      expect((await facts.list('alice')).map((fact) => fact.id)).toEqual([porto.id]);
    });

    it('records a batch in order, each entry seeing the ones before it', async () => {
      const { timeline, facts } = await makePair();
      const [a, b] = await observe(timeline, 'alice', 'one', 'two');
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY);
      const coffee = claim();
      const outcomes = await facts.recordMany('alice', [
        { fact: lisbon, sourceSeqs: [a!.seq] },
        { fact: porto, sourceSeqs: [b!.seq] },
        { fact: coffee, sourceSeqs: [a!.seq] },
        { fact: claim({ object: 'Coffee' }), sourceSeqs: [b!.seq] },
      ]);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
        'created',
        'created',
        'created',
        'corroborated',
      ]);
      expect(outcomes[1]).toMatchObject({ superseded: [lisbon.id] });
      expect(outcomes[3]!.fact.id).toBe(coffee.id);
      expect(sorted(outcomes[3]!.fact.sources)).toEqual(sorted([a!.id, b!.id]));
      expect(await facts.recordMany('alice', [])).toEqual([]);
    });

    it('records a batch all or nothing', async () => {
      const { timeline, facts } = await makePair();
      const [a, b, c] = await observe(timeline, 'alice', 'one', 'two', 'three');
      const lisbon = residence('Lisbon', T0);
      const coffee = claim();
      await facts.recordMany('alice', [
        { fact: lisbon, sourceSeqs: [a!.seq] },
        { fact: coffee, sourceSeqs: [a!.seq] },
      ]);
      const before = await facts.list('alice', { status: 'all' });
      await expect(
        facts.recordMany('alice', [
          { fact: claim({ object: 'COFFEE' }), sourceSeqs: [b!.seq] },
          { fact: residence('Porto', T0 + DAY), sourceSeqs: [c!.seq] },
          { fact: claim({ id: coffee.id, object: 'tea', statement: 'Ana likes tea' }), sourceSeqs: [c!.seq] },
        ]),
      ).rejects.toThrow();
      expect(await facts.list('alice', { status: 'all' })).toEqual(before);
      await expect(
        facts.record('alice', residence('Faro', T0 + DAY, { id: lisbon.id }), []),
      ).rejects.toThrow();
      expect(await facts.list('alice', { status: 'all' })).toEqual(before);
    });

    it('keeps the person’s correction as a new fact that supersedes the old one', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const lisbon = residence('Lisbon', T0, { validFrom: T0, personId: 'P1' });
      await facts.record('alice', lisbon, [a!.seq]);
      const at = T0 + HOUR;
      const corrected = await facts.correct('alice', lisbon.id, { object: 'Porto' }, { newId: 'FB-1', at });
      expect(corrected).toEqual({
        ...lisbon,
        id: 'FB-1',
        userId: 'alice',
        object: 'Porto',
        statement: 'Ana lives in Porto',
        observedAt: at,
        trust: 'authored',
        confidence: 1,
        origin: 'person',
        status: 'active',
        supersededBy: null,
        createdAt: at,
        updatedAt: at,
        sources: [],
      });
      expect(await facts.get('alice', lisbon.id)).toMatchObject({
        status: 'superseded',
        supersededBy: 'FB-1',
        updatedAt: at,
      });
      await expect(
        facts.correct('alice', lisbon.id, { object: 'Faro' }, { newId: 'FB-2', at }),
      ).rejects.toMatchObject({ code: 'fact_superseded' });
      await expect(
        facts.correct('alice', 'FA-unknown', { object: 'Faro' }, { newId: 'FB-3', at }),
      ).rejects.toMatchObject({ code: 'not_found' });
      const dated = await facts.correct(
        'alice',
        'FB-1',
        { statement: 'Ana moved to Porto', validFrom: null },
        { newId: 'FB-4', at: at + 1 },
      );
      expect(dated).toMatchObject({ object: 'Porto', statement: 'Ana moved to Porto', validFrom: null });
      expect((await facts.list('alice')).map((fact) => fact.id)).toEqual(['FB-4']);
    });

    it('puts a slot-less fact and its correction in a slot of their own', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const coffee = claim();
      await facts.record('alice', coffee, [a!.seq]);
      const corrected = await facts.correct(
        'alice',
        coffee.id,
        { object: 'green tea' },
        { newId: 'FB-1', at: T0 + HOUR },
      );
      expect(corrected).toMatchObject({ slot: `fact:${coffee.id}`, statement: 'Ana likes green tea' });
      const late = await facts.record(
        'alice',
        claim({ object: 'black tea', slot: `fact:${coffee.id}`, observedAt: T0 }),
        [a!.seq],
      );
      expect(late).toMatchObject({ outcome: 'outdated', fact: { supersededBy: 'FB-1' } });
    });

    it('re-activates what a removed fact had superseded', async () => {
      const { timeline, facts } = await makePair();
      const [a, b] = await observe(timeline, 'alice', 'one', 'two');
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY);
      await facts.record('alice', lisbon, [a!.seq]);
      await facts.record('alice', porto, [b!.seq]);
      await facts.remove('alice', porto.id);
      expect(await facts.get('alice', porto.id)).toBeNull();
      expect(await facts.get('alice', lisbon.id)).toMatchObject({ status: 'active', supersededBy: null });
      expect((await facts.list('alice')).map((fact) => fact.id)).toEqual([lisbon.id]);
      await expect(facts.remove('alice', porto.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('prunes facts whose sources were all forgotten, never the person’s, and restores what they superseded', async () => {
      const { timeline, facts } = await makePair();
      const [gone, kept, other] = await observe(timeline, 'alice', 'one', 'two', 'three');
      const single = claim();
      const double = claim({ object: 'tea', statement: 'Ana likes tea' });
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY);
      const hiking = claim({ object: 'hiking', statement: 'Ana likes hiking' });
      await facts.record('alice', single, [gone!.seq]);
      await facts.record('alice', double, [gone!.seq, kept!.seq]);
      await facts.record('alice', lisbon, [other!.seq]);
      await facts.record('alice', porto, [gone!.seq]);
      await facts.record('alice', hiking, [other!.seq]);
      const personal = await facts.correct(
        'alice',
        hiking.id,
        { object: 'climbing' },
        { newId: 'FB-1', at: T0 + HOUR },
      );
      expect(personal.sources).toEqual([]);

      await timeline.forget('alice', { kind: 'ids', ids: [gone!.id] });
      expect((await facts.get('alice', single.id))?.sources).toEqual([]);
      expect((await facts.get('alice', double.id))?.sources).toEqual([kept!.id]);

      expect(await facts.prune('alice')).toEqual({ removed: 2, restored: 1 });
      expect(await facts.get('alice', single.id)).toBeNull();
      expect(await facts.get('alice', porto.id)).toBeNull();
      expect(await facts.get('alice', lisbon.id)).toMatchObject({ status: 'active', supersededBy: null });
      expect(await facts.get('alice', 'FB-1')).toMatchObject({ status: 'active', origin: 'person' });
      expect(await facts.get('alice', hiking.id)).toMatchObject({
        status: 'superseded',
        supersededBy: 'FB-1',
      });
      expect(await facts.prune('alice')).toEqual({ removed: 0, restored: 0 });
    });

    it('prunes a derived fact recorded without any source it could link to', async () => {
      const { facts } = await makePair();
      const orphan = claim();
      await facts.record('alice', orphan, [999_999_999]);
      expect((await facts.get('alice', orphan.id))?.sources).toEqual([]);
      expect(await facts.prune('alice')).toEqual({ removed: 1, restored: 0 });
      expect(await facts.list('alice', { status: 'all' })).toEqual([]);
    });

    it('lists by kind, subject or object, person, status and validity, newest first', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const coffee = claim({ observedAt: T0 + 1 });
      const bread = claim({ subject: 'Sam', object: 'banana bread', statement: 'Sam likes banana bread' });
      const anabel = claim({
        kind: 'place',
        subject: 'Anabel',
        predicate: 'lives_in',
        object: 'Porto',
        statement: 'Anabel lives in Porto',
        observedAt: T0 + 3,
        personId: 'P1',
      });
      const dentist = claim({
        kind: 'commitment',
        predicate: 'has_appointment',
        object: 'dentist',
        statement: 'Ana sees the dentist',
        validFrom: T0 + DAY,
        observedAt: T0 + 2,
        personId: 'P1',
      });
      const call = claim({
        kind: 'commitment',
        predicate: 'will_call',
        object: 'the bank',
        statement: 'Ana will call the bank',
        validFrom: T0 + 2 * DAY,
        observedAt: T0 + 2,
      });
      const lisbon = residence('Lisbon', T0 - DAY);
      const porto = residence('Porto', T0 + 4);
      for (const fact of [coffee, bread, anabel, dentist, call, lisbon, porto])
        await facts.record('alice', fact, [a!.seq]);
      const ids = async (query: Parameters<FactStore['list']>[1]) =>
        (await facts.list('alice', query)).map((fact) => fact.id);

      const [dentistOrCall, callOrDentist] = dentist.id > call.id ? [dentist, call] : [call, dentist];
      expect(await ids({})).toEqual([
        porto.id,
        anabel.id,
        dentistOrCall.id,
        callOrDentist.id,
        coffee.id,
        bread.id,
      ]);
      expect(await ids({ status: 'all' })).toEqual([
        porto.id,
        anabel.id,
        dentistOrCall.id,
        callOrDentist.id,
        coffee.id,
        bread.id,
        lisbon.id,
      ]);
      expect(await ids({ kind: 'commitment' })).toEqual([dentistOrCall.id, callOrDentist.id]);
      expect(await ids({ kind: 'place', status: 'all' })).toEqual([porto.id, anabel.id, lisbon.id]);
      expect(await ids({ about: 'ANA', kind: 'preference' })).toEqual([coffee.id, bread.id]);
      expect(await ids({ about: 'porto' })).toEqual([porto.id, anabel.id]);
      expect(await ids({ about: 'anabel' })).toEqual([anabel.id]);
      expect(await ids({ personId: 'P1' })).toEqual([anabel.id, dentist.id]);
      expect(await ids({ validFromMs: T0 + DAY, validToMs: T0 + 2 * DAY })).toEqual([dentist.id]);
      expect(await ids({ validFromMs: T0 + DAY })).toEqual([dentistOrCall.id, callOrDentist.id]);
      expect(await ids({ validToMs: T0 + 2 * DAY + 1 })).toEqual([dentistOrCall.id, callOrDentist.id]);
      expect(await ids({ limit: 2 })).toEqual([porto.id, anabel.id]);
      expect(await ids({ status: 'all', limit: 0 })).toEqual([]);
    });

    it('lists the facts derived from a stretch of the timeline, each once, in source order', async () => {
      const { timeline, facts } = await makePair();
      const [a, b, c, d] = await observe(timeline, 'alice', 'one', 'two', 'three', 'four');
      const [theirs] = await observe(timeline, 'bob', 'one');
      const deck = claim({
        kind: 'commitment',
        subject: 'self',
        predicate: 'will',
        object: 'send Sam the deck',
        statement: 'You will send Sam the deck',
      });
      const coffee = claim();
      const bank = claim({
        kind: 'commitment',
        subject: 'self',
        predicate: 'will',
        object: 'call the bank',
        statement: 'You will call the bank',
      });
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY);
      await facts.record('alice', coffee, [a!.seq]);
      await facts.record('alice', bank, [c!.seq]);
      await facts.record('alice', deck, [b!.seq, d!.seq]);
      await facts.record('alice', lisbon, [b!.seq]);
      await facts.record('alice', porto, [d!.seq]);
      await facts.record('bob', claim({ id: nextId('FA') }), [theirs!.seq]);
      const range = async (range: Parameters<FactStore['listBySourceRange']>[1]) =>
        (await facts.listBySourceRange('alice', range)).map((found) => [found.fact.id, found.sourceSeqs]);

      expect(await range({ afterSeq: a!.seq, toSeq: d!.seq })).toEqual([
        [deck.id, [b!.seq, d!.seq]],
        [bank.id, [c!.seq]],
        [porto.id, [d!.seq]],
      ]);
      // The superseded Lisbon shares its first source with the deck; ties go by id (the deck's is older).
      expect(await range({ afterSeq: a!.seq, toSeq: d!.seq, status: 'all' })).toEqual([
        [deck.id, [b!.seq, d!.seq]],
        [lisbon.id, [b!.seq]],
        [bank.id, [c!.seq]],
        [porto.id, [d!.seq]],
      ]);
      expect(await range({ afterSeq: c!.seq, toSeq: d!.seq, kinds: ['commitment'] })).toEqual([
        [deck.id, [d!.seq]],
      ]);
      expect(await range({ afterSeq: 0, toSeq: a!.seq, kinds: ['commitment'] })).toEqual([]);
      expect(await range({ afterSeq: 0, toSeq: d!.seq, kinds: [] })).toEqual([]);
      expect(await range({ afterSeq: d!.seq, toSeq: a!.seq })).toEqual([]);
      const [found] = await facts.listBySourceRange('alice', {
        afterSeq: c!.seq,
        toSeq: d!.seq,
        kinds: ['commitment'],
      });
      expect(found!.fact).toMatchObject({ id: deck.id, userId: 'alice', status: 'active' });
      expect(sorted(found!.fact.sources)).toEqual(sorted([b!.id, d!.id]));
      expect(await facts.listBySourceRange('bob', { afterSeq: 0, toSeq: a!.seq })).toEqual([]);

      await timeline.forget('alice', { kind: 'ids', ids: [b!.id] });
      expect(await range({ afterSeq: 0, toSeq: c!.seq })).toEqual([
        [coffee.id, [a!.seq]],
        [bank.id, [c!.seq]],
      ]);
    });

    it('removes the facts about a person, restoring what they had superseded', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const [b] = await observe(timeline, 'bob', 'one');
      const lisbon = residence('Lisbon', T0);
      const porto = residence('Porto', T0 + DAY, { personId: 'P1' });
      const birthday = claim({ kind: 'date', object: 'May 3', personId: 'P1' });
      const sam = claim({ subject: 'Sam', personId: 'P2' });
      for (const fact of [lisbon, porto, birthday, sam]) await facts.record('alice', fact, [a!.seq]);
      await facts.record('bob', claim({ personId: 'P1' }), [b!.seq]);

      expect(await facts.removeAboutPerson('alice', 'P1')).toBe(2);
      expect((await facts.list('alice', { status: 'all' })).map((fact) => fact.id).sort()).toEqual(
        [lisbon.id, sam.id].sort(),
      );
      expect(await facts.get('alice', lisbon.id)).toMatchObject({ status: 'active', supersededBy: null });
      expect(await facts.list('bob', { personId: 'P1' })).toHaveLength(1);
      expect(await facts.removeAboutPerson('alice', 'P1')).toBe(0);
    });

    it('removes every fact of one user, superseded ones included, and nothing of another', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const [b] = await observe(timeline, 'bob', 'one');
      await facts.record('alice', residence('Lisbon', T0), [a!.seq]);
      await facts.record('alice', residence('Porto', T0 + DAY), [a!.seq]);
      await facts.record('alice', claim(), [a!.seq]);
      await facts.record('bob', claim(), [b!.seq]);
      expect(await facts.removeAll('alice')).toBe(3);
      expect(await facts.list('alice', { status: 'all' })).toEqual([]);
      expect(await facts.removeAll('alice')).toBe(0);
      expect(await facts.list('bob')).toHaveLength(1);
      const again = claim();
      expect((await facts.record('alice', again, [a!.seq])).outcome).toBe('created');
    });

    it('keeps users apart: ids, claims, sources, pruning', async () => {
      const { timeline, facts } = await makePair();
      const [a] = await observe(timeline, 'alice', 'one');
      const [b] = await observe(timeline, 'bob', 'one');
      const shared = claim();
      await facts.record('alice', shared, [a!.seq]);
      const bobs = await facts.record('bob', { ...shared, object: 'Coffee' }, [a!.seq]);
      expect(bobs.outcome).toBe('created');
      expect(bobs.fact).toMatchObject({ id: shared.id, userId: 'bob', sources: [] });
      expect(await facts.get('alice', shared.id)).toMatchObject({ userId: 'alice', sources: [a!.id] });
      const porto = residence('Porto', T0 + DAY);
      await facts.record('bob', porto, [b!.seq]);
      expect((await facts.record('alice', residence('Lisbon', T0), [a!.seq])).outcome).toBe('created');
      expect(await facts.get('alice', porto.id)).toBeNull();
      await expect(facts.remove('alice', porto.id)).rejects.toMatchObject({ code: 'not_found' });
      await expect(
        facts.correct('alice', porto.id, { object: 'Faro' }, { newId: 'FB-1', at: T0 }),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect(await facts.prune('bob')).toEqual({ removed: 1, restored: 0 });
      expect(await facts.list('alice')).toHaveLength(2);
      expect((await facts.list('bob')).map((fact) => fact.id)).toEqual([porto.id]);
    });
  });
}
