import type { ObservationDetails } from '@familiar/protocol';
import { describe, expect, it } from 'vitest';
import { createInMemoryAuditLog } from '../../audit/index.ts';
import { createSilentLogger, createUlidGenerator } from '../../kernel/index.ts';
import {
  type Actor,
  createInMemoryPeopleStore,
  createInMemoryTimelineStore,
  type ForgetSelector,
  type MemoryCursors,
  type NewObservation,
} from '../../memory/index.ts';
import { FACE_DESCRIPTOR_MODEL } from '../image-perception.ts';
import { createInMemoryVoiceprintStore } from '../speakers/voiceprint-store.ts';
import { CONSENT_STAGE, createConsent } from './consent.ts';

const USER = 'u1';
const T0 = Date.UTC(2026, 10, 20, 14, 0);
const MINUTE = 60_000;
const newId = createUlidGenerator();

function createMemoryCursors(): MemoryCursors {
  const positions = new Map<string, number>();
  return {
    async get(userId, stage) {
      return positions.get(`${userId}:${stage}`) ?? 0;
    },
    async set(userId, stage, lastSeq) {
      positions.set(`${userId}:${stage}`, lastSeq);
    },
    async reset(userId) {
      for (const key of [...positions.keys()]) if (key.startsWith(`${userId}:`)) positions.delete(key);
    },
  };
}

function observation(
  text: string,
  options: {
    at: number;
    modality?: NewObservation['modality'];
    speaker?: { label: string; personId: string | null };
    seen?: string[];
    deviceId?: string | null;
  },
): NewObservation {
  const details: ObservationDetails | null = options.speaker
    ? { speaker: options.speaker }
    : options.seen
      ? { seen: { objects: [], faces: options.seen.length, people: options.seen } }
      : null;
  return {
    id: newId(),
    deviceId: options.deviceId === undefined ? 'glasses' : options.deviceId,
    modality: options.modality ?? 'utterance',
    capturedAt: options.at,
    receivedAt: options.at,
    text,
    captureId: null,
    provenance: null,
    trust: 'perceived',
    details,
  };
}

/** Consent over in-memory stores; the timeline's forget is a recording fake that forgets in the store. */
async function setUp() {
  const store = createInMemoryTimelineStore();
  const people = createInMemoryPeopleStore();
  const prints = createInMemoryVoiceprintStore();
  const audit = createInMemoryAuditLog();
  const cursors = createMemoryCursors();
  const forgets: ForgetSelector[] = [];
  const notifications: Array<{ userId: string; title: string; body: string }> = [];
  const consent = createConsent({
    store,
    timeline: {
      async forget(actor: Actor, selector: ForgetSelector) {
        forgets.push(selector);
        return store.forget(actor.userId, selector);
      },
    },
    people,
    prints,
    cursors,
    audit,
    notify: async (userId, message) => {
      notifications.push({ userId, ...message });
    },
    clock: { now: () => T0 + 60 * MINUTE },
    logger: createSilentLogger(),
  });
  const sam = await people.add({
    id: 'p-sam',
    userId: USER,
    name: 'Sam Lee',
    aliases: ['Sammy'],
    optedOut: false,
    createdAt: T0,
    updatedAt: T0,
  });
  const print = (id: string, model: string) =>
    prints.add({
      id,
      userId: USER,
      personId: sam.id,
      label: sam.name,
      model,
      dimension: 2,
      vector: Float32Array.from([1, 0]),
      createdAt: T0,
    });
  await print('face-1', FACE_DESCRIPTOR_MODEL);
  await print('face-2', FACE_DESCRIPTOR_MODEL);
  await print('voice-1', 'sherpa:3dspeaker');
  const add = async (...observations: NewObservation[]) => {
    await store.insertObservations(USER, observations);
    return observations;
  };
  const texts = async () =>
    (await store.listObservations(USER, { limit: 100, order: 'asc' })).observations.map((o) => o.text);
  return { store, people, prints, audit, cursors, forgets, notifications, consent, sam, add, texts };
}

const cli: Actor = { userId: USER, deviceId: null, label: 'cli' };

describe('consent: opting a person out', () => {
  it('removes their face prints and forgets what they said and frames naming them, keeping their voiceprint', async () => {
    const { consent, add, texts, prints, people, audit } = await setUp();
    await add(
      observation('the deadline moved to Friday', {
        at: T0,
        speaker: { label: 'Sam Lee', personId: 'p-sam' },
      }),
      observation('sure, see you then', { at: T0 + MINUTE, speaker: { label: 'wearer', personId: null } }),
      observation('a transcript naming Sammy as speaker', {
        at: T0 + 2 * MINUTE,
        speaker: { label: 'sammy', personId: null },
      }),
      observation('a desk; 1 person (Sam Lee)', {
        at: T0 + 3 * MINUTE,
        modality: 'frame',
        seen: ['Sam Lee'],
      }),
      observation('a desk and a cup', { at: T0 + 4 * MINUTE, modality: 'frame', seen: [] }),
      observation('note: call Sam about the deadline', { at: T0 + 5 * MINUTE, modality: 'note' }),
    );
    const result = await consent.optOut(cli, 'p-sam');
    expect(result).toMatchObject({ utterances: 2, frames: 1, facePrints: 2, voiceprintsKept: 1 });
    expect(await texts()).toEqual([
      'sure, see you then',
      'a desk and a cup',
      'note: call Sam about the deadline',
    ]);
    expect((await prints.list(USER)).map((p) => p.id)).toEqual(['voice-1']);
    expect((await people.get(USER, 'p-sam'))?.optedOut).toBe(true);
    const [event] = await audit.list(USER, { action: 'consent.opt-out' });
    expect(event).toMatchObject({
      actor: 'cli',
      target: 'p-sam',
      details: { source: 'request', utterances: 2, frames: 1, facePrints: 2, voiceprintsKept: 1 },
    });
    expect(JSON.stringify(audit.events)).not.toMatch(/Sam|deadline|desk/);
  });

  it('is harmless to repeat, and an opt-in withdraws it without bringing anything back', async () => {
    const { consent, add, texts, people, audit } = await setUp();
    await add(observation('hello there', { at: T0, speaker: { label: 'Sam Lee', personId: 'p-sam' } }));
    await consent.optOut(cli, 'p-sam');
    expect(await consent.optOut(cli, 'p-sam')).toMatchObject({ utterances: 0, frames: 0, facePrints: 0 });
    const person = await consent.optIn(cli, 'p-sam');
    expect(person.optedOut).toBe(false);
    expect((await people.get(USER, 'p-sam'))?.optedOut).toBe(false);
    expect(await texts()).toEqual([]);
    expect((await audit.list(USER)).map((e) => e.action)).toEqual([
      'consent.opt-in',
      'consent.opt-out',
      'consent.opt-out',
    ]);
  });

  it('answers not_found for a person the user does not have, changing nothing', async () => {
    const { consent, audit } = await setUp();
    await expect(consent.optOut({ ...cli, userId: 'u2' }, 'p-sam')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(consent.optIn(cli, 'p-nobody')).rejects.toMatchObject({ code: 'not_found' });
    expect(audit.events).toEqual([]);
  });
});

describe('consent: a spoken request not to be remembered', () => {
  it('forgets the unrecognised voice around the request on that device, keeps the wearer and others, and tells the wearer', async () => {
    const { consent, add, texts, notifications, audit, cursors } = await setUp();
    const unknown = { label: 'unknown', personId: null };
    await add(
      observation('long ago, another stranger talked', { at: T0 - 30 * MINUTE, speaker: unknown }),
      observation('my number is 555 0199', { at: T0 - 5 * MINUTE, speaker: unknown }),
      observation('nice to meet you', { at: T0 - 4 * MINUTE, speaker: { label: 'wearer', personId: null } }),
      observation('a stranger on the phone nearby', {
        at: T0 - 3 * MINUTE,
        speaker: unknown,
        deviceId: 'phone',
      }),
      observation("Sorry, please don't record me.", { at: T0, speaker: unknown }),
      observation('I live on Elm Street', { at: T0 + MINUTE, speaker: unknown }),
      observation('of course, no problem', {
        at: T0 + 2 * MINUTE,
        speaker: { label: 'wearer', personId: null },
      }),
    );
    const honoured = await consent.review({ id: USER, timezone: 'Europe/Paris' });
    expect(honoured).toMatchObject([{ personId: null, utterances: 3 }]);
    expect(await texts()).toEqual([
      'long ago, another stranger talked',
      'nice to meet you',
      'a stranger on the phone nearby',
      'of course, no problem',
    ]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.title).toBe('Someone asked not to be remembered');
    expect(notifications[0]!.body).toContain('3 utterances');
    const [event] = await audit.list(USER, { actionPrefix: 'consent.' });
    expect(event).toMatchObject({
      actor: 'consent',
      target: null,
      details: { source: 'spoken', speaker: 'unrecognised', utterances: 3 },
    });
    expect(JSON.stringify(event)).not.toMatch(/record me|Elm|555/);
    expect(await cursors.get(USER, CONSENT_STAGE)).toBeGreaterThan(0);
    // Read once: a second review finds nothing new.
    expect(await consent.review({ id: USER, timezone: 'Europe/Paris' })).toEqual([]);
    expect(notifications).toHaveLength(1);
  });

  it('opts out a recognised voice that asks, forgetting all they said', async () => {
    const { consent, add, texts, people, notifications, prints } = await setUp();
    const sam = { label: 'Sam Lee', personId: 'p-sam' };
    await add(
      observation('last week: the budget is 40k', { at: T0 - 7 * 24 * 60 * MINUTE, speaker: sam }),
      observation('a desk; 1 person (Sam Lee)', {
        at: T0 - 60 * MINUTE,
        modality: 'frame',
        seen: ['Sam Lee'],
      }),
      observation('hi!', { at: T0 - MINUTE, speaker: { label: 'wearer', personId: null } }),
      observation('Forget me, OK? I mean it.', { at: T0, speaker: sam }),
    );
    const [honoured] = await consent.review({ id: USER, timezone: 'UTC' });
    expect(honoured).toMatchObject({ personId: 'p-sam', utterances: 2 });
    expect(await texts()).toEqual(['hi!']);
    expect((await people.get(USER, 'p-sam'))?.optedOut).toBe(true);
    expect((await prints.list(USER)).map((p) => p.model)).toEqual(['sherpa:3dspeaker']);
    expect(notifications[0]!.body).toMatch(/^Sam Lee asked not to be remembered .*now opted out/);
  });

  it('never acts on the wearer’s own words or on ordinary talk', async () => {
    const { consent, add, texts, notifications, forgets } = await setUp();
    await add(
      observation("Don't record me, I'm just testing the glasses", {
        at: T0,
        speaker: { label: 'wearer', personId: null },
      }),
      observation("Don't forget me when you're famous", {
        at: T0 + MINUTE,
        speaker: { label: 'unknown', personId: null },
      }),
      observation('please do not record me', { at: T0 + 2 * MINUTE, modality: 'note' }),
    );
    expect(await consent.review({ id: USER, timezone: 'UTC' })).toEqual([]);
    expect(await texts()).toHaveLength(3);
    expect(notifications).toEqual([]);
    expect(forgets).toEqual([]);
  });
});
