import { describe, expect, it } from 'vitest';
import type { TimelineStore } from './timeline-store.ts';
import type { NewCapture, NewObservation } from './types.ts';

/** What a contract run needs: a fresh store with the two users `alice` and `bob` already known. */
export type TimelineStoreFactory = () => Promise<TimelineStore>;

const T0 = Date.parse('2026-11-02T09:00:00Z');
const HOUR = 3_600_000;
let counter = 0;

/** A fresh ULID-shaped id that sorts after the previous one. */
function nextId(): string {
  counter += 1;
  return `01JC${String(counter).padStart(22, '0')}`;
}

function note(text: string, overrides: Partial<NewObservation> = {}): NewObservation {
  return {
    id: nextId(),
    deviceId: null,
    modality: 'note',
    capturedAt: T0,
    receivedAt: T0 + 1000,
    text,
    captureId: null,
    provenance: null,
    trust: 'authored',
    ...overrides,
  };
}

function capture(sha256: string, overrides: Partial<NewCapture> = {}): NewCapture {
  return {
    id: nextId(),
    deviceId: null,
    kind: 'image',
    mediaType: 'image/jpeg',
    sha256,
    size: 10,
    capturedAt: T0,
    receivedAt: T0,
    ...overrides,
  };
}

/** The behaviour every TimelineStore adapter must show; run it from each adapter's test file. */
export function describeTimelineStoreContract(name: string, makeStore: TimelineStoreFactory): void {
  describe(`TimelineStore contract: ${name}`, () => {
    it('stores a batch and reads it back, searchable at once', async () => {
      const store = await makeStore();
      const a = note('Sam said the deadline moved to Friday', {
        provenance: { engine: 'test', version: '1' },
        details: {
          words: [{ word: 'Sam', startMs: 0, endMs: 300 }],
          speaker: { label: 'unknown', personId: null },
        },
      });
      const b = note('Bought oat milk and coffee', { capturedAt: T0 + HOUR });
      expect(await store.insertObservations('alice', [a, b])).toEqual({ inserted: 2 });
      expect(await store.getObservation('alice', a.id)).toEqual({
        ...a,
        userId: 'alice',
        deviceCapturedAt: null,
      });
      expect(await store.countObservations('alice')).toBe(2);
      expect((await store.getObservation('alice', b.id))?.details).toBeNull();
      const hits = await store.searchObservations('alice', ['deadline'], 5);
      expect(hits.map((hit) => hit.observation.id)).toEqual([a.id]);
      expect(hits[0]!.score).toBeGreaterThan(0);
    });

    it('ranks the better match first', async () => {
      const store = await makeStore();
      const weak = note('the wine list was long and the wine was fine');
      const strong = note('we liked the Rioja wine at dinner with Ana');
      const other = note('walked the dog');
      await store.insertObservations('alice', [weak, strong, other]);
      const hits = await store.searchObservations('alice', ['rioja', 'wine'], 5);
      expect(hits[0]!.observation.id).toBe(strong.id);
      expect(hits.map((hit) => hit.observation.id)).not.toContain(other.id);
    });

    it('expires one modality before a time, keeping the rest', async () => {
      const store = await makeStore();
      const oldFrame = { ...note('a frame caption'), modality: 'frame' as const, capturedAt: 1_000 };
      const newFrame = { ...note('another frame caption'), modality: 'frame' as const, capturedAt: 9_000 };
      const oldNote = { ...note('an old note'), capturedAt: 1_000 };
      await store.insertObservations('alice', [oldFrame, newFrame, oldNote]);
      const result = await store.forget('alice', { kind: 'expired', modality: 'frame', beforeMs: 5_000 });
      expect(result.observations).toBe(1);
      expect(await store.getObservation('alice', oldFrame.id)).toBeNull();
      expect(await store.getObservation('alice', newFrame.id)).not.toBeNull();
      expect(await store.getObservation('alice', oldNote.id)).not.toBeNull();
    });

    it('searches within a time range', async () => {
      const store = await makeStore();
      const early = { ...note('picnic by the river'), capturedAt: 1_000 };
      const late = { ...note('picnic in the park'), capturedAt: 5_000 };
      await store.insertObservations('alice', [early, late]);
      const hits = await store.searchObservations('alice', ['picnic'], 5, { fromMs: 2_000, toMs: 6_000 });
      expect(hits.map((hit) => hit.observation.id)).toEqual([late.id]);
      expect(await store.searchObservations('alice', ['picnic'], 5, { toMs: 1_000 })).toEqual([]);
    });

    it('reads the timeline in write order after a position, and by position, per user', async () => {
      const store = await makeStore();
      const [a, b, c] = [note('one'), note('two'), note('three')];
      await store.insertObservations('alice', [a, b]);
      await store.insertObservations('bob', [note('not yours')]);
      await store.insertObservations('alice', [c]);
      const all = await store.readSince('alice', 0, 10);
      expect(all.map((entry) => entry.observation.id)).toEqual([a.id, b.id, c.id]);
      expect(all[0]!.seq).toBeLessThan(all[1]!.seq);
      const rest = await store.readSince('alice', all[0]!.seq, 10);
      expect(rest.map((entry) => entry.observation.id)).toEqual([b.id, c.id]);
      expect((await store.readSince('alice', all[0]!.seq, 1)).length).toBe(1);
      const hits = await store.searchObservations('alice', ['three'], 5);
      expect(hits[0]!.seq).toBe(all[2]!.seq);
      const picked = await store.getBySeq('alice', [all[2]!.seq, all[0]!.seq, 999_999]);
      expect(picked.map((entry) => entry.observation.id)).toEqual([c.id, a.id]);
      const bobs = await store.readSince('bob', 0, 10);
      expect(await store.getBySeq('alice', [bobs[0]!.seq])).toEqual([]);
    });

    it('treats the same id with the same content as a no-op', async () => {
      const store = await makeStore();
      const a = note('keys are on the hall shelf');
      await store.insertObservations('alice', [a]);
      expect(await store.insertObservations('alice', [a, { ...a, receivedAt: a.receivedAt + 5 }])).toEqual({
        inserted: 0,
      });
      expect(await store.countObservations('alice')).toBe(1);
    });

    it('rejects the same id with different content and stores nothing of that batch', async () => {
      const store = await makeStore();
      const a = note('first version');
      await store.insertObservations('alice', [a]);
      const fresh = note('a fresh one');
      await expect(
        store.insertObservations('alice', [fresh, { ...a, text: 'second version' }]),
      ).rejects.toMatchObject({
        code: 'id_conflict',
      });
      expect(await store.getObservation('alice', fresh.id)).toBeNull();
      expect((await store.getObservation('alice', a.id))?.text).toBe('first version');
    });

    it('keeps users apart: ids are per user and search never crosses', async () => {
      const store = await makeStore();
      const a = note('alice secret plan');
      await store.insertObservations('alice', [a]);
      expect(await store.getObservation('bob', a.id)).toBeNull();
      expect(await store.searchObservations('bob', ['secret'], 5)).toEqual([]);
      await store.insertObservations('bob', [{ ...a, text: 'bob has his own' }]);
      expect((await store.getObservation('alice', a.id))?.text).toBe('alice secret plan');
      expect((await store.forget('bob', { kind: 'ids', ids: [a.id] })).observations).toBe(1);
      expect(await store.getObservation('alice', a.id)).not.toBeNull();
    });

    it('lists by time range and modality with stable paging in both orders', async () => {
      const store = await makeStore();
      const items = Array.from({ length: 7 }, (_, i) =>
        note(`item ${i}`, { capturedAt: T0 + (i % 3) * HOUR, modality: i === 6 ? 'chat' : 'note' }),
      );
      await store.insertObservations('alice', items);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listObservations('alice', {
          limit: 3,
          ...(cursor ? { cursor } : {}),
          order: 'asc',
        });
        seen.push(...page.observations.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const expected = [...items].sort((a, b) => a.capturedAt - b.capturedAt || (a.id < b.id ? -1 : 1));
      expect(seen).toEqual(expected.map((o) => o.id));
      const newest = await store.listObservations('alice', { limit: 100 });
      expect(newest.observations.map((o) => o.id)).toEqual(expected.map((o) => o.id).reverse());
      expect(newest.nextCursor).toBeNull();
      const ranged = await store.listObservations('alice', {
        limit: 100,
        fromMs: T0 + HOUR,
        toMs: T0 + 2 * HOUR,
      });
      expect(ranged.observations.every((o) => o.capturedAt === T0 + HOUR)).toBe(true);
      const chats = await store.listObservations('alice', { limit: 100, modality: 'chat' });
      expect(chats.observations.map((o) => o.id)).toEqual([items[6]!.id]);
      await expect(
        store.listObservations('alice', { limit: 1, cursor: 'not a cursor' }),
      ).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });

    it('requires a captureId to name a capture of the same user', async () => {
      const store = await makeStore();
      const c = capture('a'.repeat(64));
      await store.insertCapture('alice', c);
      await expect(
        store.insertObservations('bob', [note('from a capture', { captureId: c.id })]),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await store.insertObservations('alice', [note('from a capture', { captureId: c.id })]);
      expect(await store.countObservations('bob')).toBe(0);
    });

    it('counts blob references across captures and releases them only when unused', async () => {
      const store = await makeStore();
      const sha = 'b'.repeat(64);
      const first = capture(sha);
      const second = capture(sha);
      expect((await store.insertCapture('alice', first)).created).toBe(true);
      expect((await store.insertCapture('alice', first)).created).toBe(false);
      await store.insertCapture('alice', second);
      expect(await store.listBlobs('alice')).toEqual([
        { sha256: sha, size: 10, mediaType: 'image/jpeg', refCount: 2 },
      ]);
      const fromFirst = note('a frame reading', { captureId: first.id });
      const alsoFromFirst = note('a caption', { captureId: first.id });
      const fromSecond = note('another reading', { captureId: second.id });
      await store.insertObservations('alice', [fromFirst, alsoFromFirst, fromSecond]);

      const one = await store.forget('alice', { kind: 'ids', ids: [fromFirst.id] });
      expect(one).toEqual({ observations: 1, captures: 0, unreferencedBlobs: [] });
      expect(await store.getCapture('alice', first.id)).not.toBeNull();

      const two = await store.forget('alice', { kind: 'ids', ids: [alsoFromFirst.id] });
      expect(two).toEqual({ observations: 1, captures: 1, unreferencedBlobs: [] });
      expect(await store.isBlobReferenced('alice', sha)).toBe(true);

      const three = await store.forget('alice', { kind: 'ids', ids: [fromSecond.id] });
      expect(three).toEqual({ observations: 1, captures: 1, unreferencedBlobs: [sha] });
      expect(await store.isBlobReferenced('alice', sha)).toBe(false);
      expect(await store.listBlobs('alice')).toEqual([]);
    });

    it('forgetting a capture by id forgets what was derived from it', async () => {
      const store = await makeStore();
      const c = capture('c'.repeat(64));
      await store.insertCapture('alice', c);
      const derived = note('text read from the frame', { captureId: c.id });
      await store.insertObservations('alice', [derived]);
      const result = await store.forget('alice', { kind: 'ids', ids: [c.id] });
      expect(result).toEqual({ observations: 1, captures: 1, unreferencedBlobs: ['c'.repeat(64)] });
      expect(await store.searchObservations('alice', ['frame'], 5)).toEqual([]);
    });

    it('forgets a time range, captures taken in it included, and leaves the rest', async () => {
      const store = await makeStore();
      const inside = note('inside the range', { capturedAt: T0 + HOUR });
      const outside = note('outside the range', { capturedAt: T0 + 5 * HOUR });
      const c = capture('d'.repeat(64), { capturedAt: T0 + HOUR });
      await store.insertCapture('alice', c);
      await store.insertObservations('alice', [inside, outside]);
      const result = await store.forget('alice', { kind: 'range', fromMs: T0, toMs: T0 + 2 * HOUR });
      expect(result).toEqual({ observations: 1, captures: 1, unreferencedBlobs: ['d'.repeat(64)] });
      expect(await store.getObservation('alice', outside.id)).not.toBeNull();
      expect(await store.searchObservations('alice', ['inside'], 5)).toEqual([]);
    });

    it('forgets everything of one user and nothing of another', async () => {
      const store = await makeStore();
      await store.insertCapture('alice', capture('e'.repeat(64)));
      await store.insertObservations('alice', [note('one'), note('two')]);
      await store.insertObservations('bob', [note('bob keeps this')]);
      const result = await store.forget('alice', { kind: 'everything' });
      expect(result).toEqual({ observations: 2, captures: 1, unreferencedBlobs: ['e'.repeat(64)] });
      expect(await store.countObservations('alice')).toBe(0);
      expect(await store.listCaptures('alice')).toEqual([]);
      expect(await store.countObservations('bob')).toBe(1);
    });

    it('stores streamed items in sequence, ignores duplicates and refuses gaps', async () => {
      const store = await makeStore();
      const base = { userId: 'alice', deviceId: 'dev1', streamId: 'camera' };
      const frame = (seq: number) => ({
        ...base,
        seq,
        kind: 'capture' as const,
        capture: capture(`${seq}`.repeat(64).slice(0, 64), {
          streamId: 'camera',
          streamSeq: seq,
          deviceCapturedAt: T0 - 5,
        }),
      });
      const first = frame(1);
      expect(await store.appendStreamItems([first, frame(2)])).toEqual([
        { status: 'stored' },
        { status: 'stored' },
      ]);
      expect(await store.appendStreamItems([first, frame(4)])).toEqual([
        { status: 'duplicate' },
        { status: 'gap', expected: 3 },
      ]);
      expect(await store.streamPositions('dev1')).toEqual({ camera: 2 });
      const stored = await store.getCapture('alice', first.capture.id);
      expect(stored).toMatchObject({ streamId: 'camera', streamSeq: 1, deviceCapturedAt: T0 - 5 });
      expect(await store.appendStreamItems([{ ...base, seq: 3, kind: 'discard' }])).toEqual([
        { status: 'stored' },
      ]);
      expect((await store.listCaptures('alice')).length).toBe(2);
      expect(await store.streamPositions('dev1')).toEqual({ camera: 3 });
      expect(await store.streamPositions('dev2')).toEqual({});
    });

    it('rejects one bad streamed item without undoing the others, and moves past it', async () => {
      const store = await makeStore();
      const existing = note('first words');
      await store.insertObservations('alice', [existing]);
      const base = { userId: 'alice', deviceId: 'dev1', streamId: 'notes' };
      const fresh = note('fresh words', { deviceCapturedAt: T0 - 1000 });
      const results = await store.appendStreamItems([
        { ...base, seq: 1, kind: 'observation', observation: fresh },
        { ...base, seq: 2, kind: 'observation', observation: { ...existing, text: 'changed words' } },
        { ...base, seq: 3, kind: 'observation', observation: note('later words') },
      ]);
      expect(results[0]).toEqual({ status: 'stored' });
      expect(results[1]).toMatchObject({ status: 'rejected', code: 'id_conflict' });
      expect(results[2]).toEqual({ status: 'stored' });
      expect((await store.getObservation('alice', fresh.id))?.deviceCapturedAt).toBe(T0 - 1000);
      expect((await store.getObservation('alice', existing.id))?.text).toBe('first words');
      expect(await store.streamPositions('dev1')).toEqual({ notes: 3 });
    });

    it('keeps audio chunks until they are sealed into one capture', async () => {
      const store = await makeStore();
      const chunk = (seq: number) => ({
        userId: 'alice',
        deviceId: 'dev1',
        streamId: 'audio',
        seq,
        kind: 'audio' as const,
        chunk: {
          userId: 'alice',
          deviceId: 'dev1',
          streamId: 'audio',
          seq,
          capturedAt: T0 + seq * 100,
          deviceCapturedAt: T0 + seq * 100 - 7,
          receivedAt: T0 + seq * 100 + 3,
          pcm: new Uint8Array([seq, 0, seq, 0]),
        },
      });
      await store.appendStreamItems([chunk(1), chunk(2), chunk(3)]);
      expect(await store.pendingAudioStreams()).toEqual([
        { userId: 'alice', deviceId: 'dev1', streamId: 'audio' },
      ]);
      const waiting = await store.audioChunks('dev1', 'audio', 10);
      expect(waiting.map((c) => c.seq)).toEqual([1, 2, 3]);
      expect(waiting[1]?.pcm).toEqual(new Uint8Array([2, 0, 2, 0]));
      const sealed = await store.sealAudioCapture(
        'alice',
        capture('9'.repeat(64), { kind: 'audio', mediaType: 'audio/wav', streamId: 'audio', streamSeq: 1 }),
        { deviceId: 'dev1', streamId: 'audio', throughSeq: 2 },
      );
      expect(sealed).toMatchObject({ kind: 'audio', status: 'pending', streamSeq: 1 });
      expect((await store.audioChunks('dev1', 'audio', 10)).map((c) => c.seq)).toEqual([3]);
      await store.forget('alice', { kind: 'everything' });
      expect(await store.pendingAudioStreams()).toEqual([]);
    });

    it('expires old perceived media of a kind and keeps what was perceived from it', async () => {
      const store = await makeStore();
      const old = capture('1a'.repeat(32), {
        kind: 'audio',
        mediaType: 'audio/wav',
        capturedAt: T0 - 10 * 24 * HOUR,
      });
      const waiting = capture('2b'.repeat(32), {
        kind: 'audio',
        mediaType: 'audio/wav',
        capturedAt: T0 - 10 * 24 * HOUR,
      });
      const recent = capture('3c'.repeat(32), { kind: 'audio', mediaType: 'audio/wav', capturedAt: T0 });
      const photo = capture('4d'.repeat(32), { capturedAt: T0 - 10 * 24 * HOUR });
      for (const c of [old, waiting, recent, photo]) await store.insertCapture('alice', c);
      for (const c of [old, recent, photo]) await store.setCaptureStatus('alice', c.id, 'processed');
      const heard = note('what was said back then', {
        modality: 'utterance',
        captureId: old.id,
        trust: 'perceived',
      });
      await store.insertObservations('alice', [heard]);
      const result = await store.expireCaptures('alice', 'audio', T0 - 7 * 24 * HOUR);
      expect(result).toEqual({ captures: 1, unreferencedBlobs: ['1a'.repeat(32)] });
      expect(await store.getCapture('alice', old.id)).toBeNull();
      expect(await store.getCapture('alice', waiting.id)).not.toBeNull();
      expect(await store.getCapture('alice', photo.id)).not.toBeNull();
      expect(await store.getObservation('alice', heard.id)).toMatchObject({
        text: 'what was said back then',
        captureId: null,
      });
      expect((await store.searchObservations('alice', ['said'], 5)).length).toBe(1);
    });

    it('replaces a capture’s media, moving blob references, and sets observation details', async () => {
      const store = await makeStore();
      const raw = capture('5e'.repeat(32));
      const sameRaw = capture('5e'.repeat(32));
      await store.insertCapture('alice', raw);
      await store.insertCapture('alice', sameRaw);
      const processed = { sha256: '6f'.repeat(32), size: 5, mediaType: 'image/jpeg' };
      expect(await store.replaceCaptureMedia('alice', raw.id, processed)).toEqual({ unreferencedBlob: null });
      expect(await store.getCapture('alice', raw.id)).toMatchObject(processed);
      expect(await store.replaceCaptureMedia('alice', sameRaw.id, processed)).toEqual({
        unreferencedBlob: '5e'.repeat(32),
      });
      expect((await store.listBlobs('alice')).map((b) => [b.sha256, b.refCount])).toEqual([
        ['6f'.repeat(32), 2],
      ]);
      const seen = note('a sign', { modality: 'frame', captureId: raw.id });
      await store.insertObservations('alice', [seen]);
      await store.setObservationDetails('alice', seen.id, { frames: { count: 3, lastAt: T0 + 2000 } });
      expect((await store.getObservation('alice', seen.id))?.details).toEqual({
        frames: { count: 3, lastAt: T0 + 2000 },
      });
      expect((await store.searchObservations('alice', ['sign'], 5)).length).toBe(1);
    });

    it('tracks capture status', async () => {
      const store = await makeStore();
      const c = capture('f'.repeat(64));
      const { capture: stored } = await store.insertCapture('alice', c);
      expect(stored.status).toBe('pending');
      await store.setCaptureStatus('alice', c.id, 'failed', 'engine crashed');
      expect(await store.getCapture('alice', c.id)).toMatchObject({
        status: 'failed',
        error: 'engine crashed',
      });
      expect(await store.listCaptures('alice', { status: 'pending' })).toEqual([]);
      await expect(store.insertCapture('alice', { ...c, sha256: '0'.repeat(64) })).rejects.toMatchObject({
        code: 'id_conflict',
      });
    });
  });
}
