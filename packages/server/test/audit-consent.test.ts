import { ListAuditResponseSchema } from '@familiar/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Familiar, openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger, createUlidGenerator } from '../src/kernel/index.ts';
import { decodeAudio, encodeWav, FACE_DESCRIPTOR_MODEL } from '../src/perception/index.ts';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** Medium tests of `/v1/audit`, the privacy pause in the audit log and status, and consent, on a real SQLite home. */
describe('audit, privacy pause and consent', () => {
  let familiar: Familiar;
  let app: ReturnType<typeof createHttpApp>;
  let ada: string;
  let bo: string;
  let adaId: string;
  let boId: string;
  let glassesId: string;
  const newId = createUlidGenerator();

  const call = async (path: string, init: RequestInit = {}): Promise<JsonResponse> => app.request(path, init);
  const get = (path: string, token: string | null) =>
    call(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (token: string, observations: unknown[]) =>
    call('/v1/observations', jsonRequest(token, { observations }));
  const texts = async (userId: string) =>
    (await familiar.timelineStore.listObservations(userId, { limit: 1000, order: 'asc' })).observations.map(
      (o) => o.text,
    );

  beforeEach(async () => {
    familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome() }), { logger: createSilentLogger() });
    app = createHttpApp(familiar);
    adaId = (await familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' })).id;
    boId = (await familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' })).id;
    const glasses = await familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' });
    ada = glasses.token;
    glassesId = glasses.device.id;
    bo = (await familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  });
  afterEach(async () => {
    await familiar.close();
  });

  describe('GET /v1/audit', () => {
    it("lists the caller's own events newest first, in the protocol's shape, never another user's", async () => {
      await post(ada, [clientObservation('ada wrote this')]);
      await get('/v1/observations', ada);
      await post(bo, [clientObservation('bo wrote this')]);
      const response = await get('/v1/audit', ada);
      expect(response.status).toBe(200);
      const body = ListAuditResponseSchema.parse(await response.json());
      expect(body.events.map((e) => e.action)).toEqual(['observations.list', 'observations.write']);
      expect(body.events[0]).toMatchObject({ actor: `device:${glassesId}`, target: null });
      expect(body.nextCursor).toBeNull();
      expect(JSON.stringify(body)).not.toContain(boId);
      const bos = ListAuditResponseSchema.parse(await (await get('/v1/audit', bo)).json());
      expect(bos.events.map((e) => e.action)).toEqual(['observations.write']);
      expect(JSON.stringify(bos)).not.toContain(adaId);
      expect(JSON.stringify(bos)).not.toContain(glassesId);
    });

    it('filters by action prefix and time, and pages with a cursor', async () => {
      const start = Date.parse('2026-11-20T10:00:00Z');
      for (let i = 0; i < 5; i += 1)
        await familiar.audit.record({
          userId: adaId,
          at: start + (i + 1) * 60_000,
          actor: 'cli',
          action: i % 2 === 0 ? 'model.call' : 'data.export',
          target: null,
          details: { n: i },
        });
      const models = await (await get('/v1/audit?action=model.', ada)).json();
      expect(models.events.map((e: { details: { n: number } }) => e.details.n)).toEqual([4, 2, 0]);
      const exact = await (await get('/v1/audit?action=data.export', ada)).json();
      expect(exact.events).toHaveLength(2);
      const window = await (
        await get('/v1/audit?since=2026-11-20T10:02:00Z&until=2026-11-20T10:04:00%2B00:00', ada)
      ).json();
      expect(window.events.map((e: { at: string }) => e.at)).toEqual([
        '2026-11-20T10:03:00.000Z',
        '2026-11-20T10:02:00.000Z',
      ]);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { events: Array<{ details: { n: number } }>; nextCursor: string | null } = await (
          await get(`/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, ada)
        ).json();
        seen.push(...page.events.map((e) => e.details.n));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      expect(pages).toBe(3);
    });

    it('refuses bad queries with a coded error and needs a token', async () => {
      for (const query of [
        'limit=0',
        'limit=1001',
        'limit=ten',
        'since=yesterday',
        'since=2026-11-20T10:00:00Z&until=2026-11-20T09:00:00Z',
        'cursor=not-a-cursor',
        'action=DROP%20TABLE',
        'user=bo',
      ]) {
        const response = await get(`/v1/audit?${query}`, ada);
        expect(response.status, query).toBe(422);
        expect((await response.json()).error.code, query).toBe('validation_failed');
      }
      expect((await get('/v1/audit', null)).status).toBe(401);
      expect((await get('/v1/audit', 'fam_not-a-real-token')).status).toBe(401);
    });

    it("gives B nothing of A's even with A's cursor", async () => {
      for (let i = 0; i < 3; i += 1) await post(ada, [clientObservation(`ada ${i}`)]);
      const first = await (await get('/v1/audit?limit=1', ada)).json();
      expect(first.nextCursor).not.toBeNull();
      const stolen = await (await get(`/v1/audit?cursor=${first.nextCursor}`, bo)).json();
      expect(stolen.events).toEqual([]);
    });
  });

  describe('privacy pause', () => {
    it('is audited with who did it and shows in the status', async () => {
      const paused = await call('/v1/privacy', jsonRequest(ada, { paused: true }));
      expect(paused.status).toBe(200);
      const events = await (await get('/v1/audit?action=privacy.', ada)).json();
      expect(events.events).toMatchObject([
        { action: 'privacy.pause', actor: `device:${glassesId}`, target: glassesId },
      ]);
      const status = await familiar.status();
      expect(status.users.find((u) => u.name === 'ada')?.capture).toMatchObject({
        paused: true,
        by: `device:${glassesId}`,
      });
      expect(status.users.find((u) => u.name === 'bo')?.capture).toEqual({
        paused: false,
        since: null,
        by: null,
      });
      await familiar.privacy.setPaused({ userId: adaId, deviceId: null, label: 'cli' }, false, 'the CLI');
      const after = await (await get('/v1/audit?action=privacy.', ada)).json();
      expect(after.events.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`)).toEqual([
        'privacy.resume cli',
        `privacy.pause device:${glassesId}`,
      ]);
    });
  });

  describe('consent', () => {
    const cli = () => ({ userId: adaId, deviceId: null, label: 'cli' });

    async function addSam() {
      const now = familiar.clock.now();
      const sam = await familiar.people.add({
        id: newId(),
        userId: adaId,
        name: 'Sam',
        aliases: [],
        optedOut: false,
        createdAt: now,
        updatedAt: now,
      });
      for (const model of [FACE_DESCRIPTOR_MODEL, 'voice-model'])
        await familiar.voiceprints.add({
          id: newId(),
          userId: adaId,
          personId: sam.id,
          label: 'Sam',
          model,
          dimension: 3,
          vector: Float32Array.from([0.1, 0.2, 0.3]),
          createdAt: now,
        });
      return sam;
    }

    it('opting a person out forgets what they said and frames naming them, and what memory derived from them', async () => {
      const sam = await addSam();
      await familiar.timelineStore.insertObservations(adaId, [
        {
          id: newId(),
          deviceId: glassesId,
          modality: 'utterance',
          capturedAt: Date.parse('2026-11-20T10:00:00Z'),
          receivedAt: Date.parse('2026-11-20T10:00:00Z'),
          text: 'I promise I will send you the contract by Friday',
          captureId: null,
          provenance: null,
          trust: 'perceived',
          details: { speaker: { label: 'Sam', personId: sam.id } },
        },
        {
          id: newId(),
          deviceId: glassesId,
          modality: 'frame',
          capturedAt: Date.parse('2026-11-20T10:01:00Z'),
          receivedAt: Date.parse('2026-11-20T10:01:00Z'),
          text: 'a desk and a laptop; 1 person (Sam)',
          captureId: null,
          provenance: null,
          trust: 'perceived',
          details: { seen: { objects: ['laptop'], faces: 1, people: ['Sam'] } },
        },
      ]);
      await post(ada, [clientObservation('my own note about lunch with Ana')]);
      await familiar.catchUpUser({ id: adaId, timezone: 'Europe/Paris' });
      const before = await familiar.memory.listFacts(cli(), { status: 'all', limit: 1000 });
      expect(JSON.stringify(before)).toMatch(/contract/);
      const result = await familiar.consent.optOut(cli(), sam.id);
      expect(result).toMatchObject({ utterances: 1, frames: 1, facePrints: 1, voiceprintsKept: 1 });
      expect(await texts(adaId)).toEqual(['my own note about lunch with Ana']);
      const after = await familiar.memory.listFacts(cli(), { status: 'all', limit: 1000 });
      expect(after.length).toBeLessThanOrEqual(before.length);
      expect(JSON.stringify(after)).not.toMatch(/contract|laptop/);
      expect((await familiar.voiceprints.list(adaId)).map((v) => v.model)).toEqual(['voice-model']);
      expect((await familiar.people.get(adaId, sam.id))?.optedOut).toBe(true);
      const events = await familiar.audit.list(adaId, { actionPrefix: 'consent.' });
      expect(events).toMatchObject([{ action: 'consent.opt-out', target: sam.id, actor: 'cli' }]);
    });

    it("silences an opted-out person's speech in a recording that stays for the wearer's words", async () => {
      const sam = await addSam();
      const samples = Int16Array.from(
        { length: 3 * 16_000 },
        (_, i) => 1200 + Math.round(900 * Math.sin(i / 7)),
      );
      const { capture } = await familiar.timeline.addCapture(cli(), {
        bytes: encodeWav(samples),
        mediaType: 'audio/wav',
        capturedAt: Date.parse('2026-11-20T10:00:00Z'),
      });
      const said = (
        text: string,
        startMs: number,
        endMs: number,
        speaker: { label: string; personId: string | null },
      ) => ({
        id: newId(),
        deviceId: null,
        modality: 'utterance' as const,
        capturedAt: capture.capturedAt + startMs,
        receivedAt: capture.capturedAt,
        text,
        captureId: capture.id,
        provenance: null,
        trust: 'perceived' as const,
        details: { span: { startMs, endMs }, speaker },
      });
      await familiar.timelineStore.insertObservations(adaId, [
        said('my pin is 4321', 500, 1200, { label: 'Sam', personId: sam.id }),
        said('thanks, bye', 2000, 2800, { label: 'wearer', personId: null }),
      ]);
      const result = await familiar.consent.optOut(cli(), sam.id);
      expect(result).toMatchObject({ utterances: 1, captures: 0, audioSilenced: 1 });
      expect(await texts(adaId)).toEqual(['thanks, bye']);
      const kept = await familiar.timeline.readCaptureMedia(cli(), capture.id);
      expect(kept.capture.sha256).not.toBe(capture.sha256);
      expect(await familiar.blobs.has(adaId, capture.sha256)).toBe(false);
      const heard = await decodeAudio(kept.bytes, kept.capture.mediaType);
      expect(heard.subarray(0.25 * 16_000, 1.45 * 16_000).every((sample) => sample === 0)).toBe(true);
      expect(heard.subarray(2 * 16_000, 2.8 * 16_000).every((sample) => sample !== 0)).toBe(true);
    });

    it('a bystander who says "don\'t remember me" is forgotten before memory reads them, and the wearer is told', async () => {
      const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00Z`;
      await post(ada, [
        clientObservation('nice to meet you', {
          modality: 'utterance',
          capturedAt: at(1),
          speaker: 'wearer',
        }),
        clientObservation('I promise to email the quarterly figures tomorrow', {
          modality: 'utterance',
          capturedAt: at(2),
          speaker: 'unknown',
        }),
        clientObservation("Actually, I don't want to be recorded.", {
          modality: 'utterance',
          capturedAt: at(3),
          speaker: 'unknown',
        }),
        clientObservation('no problem, sorry', {
          modality: 'utterance',
          capturedAt: at(4),
          speaker: 'wearer',
        }),
      ]);
      await post(bo, [
        clientObservation("don't remember me", {
          modality: 'utterance',
          capturedAt: at(3),
          speaker: 'unknown',
        }),
      ]);
      await familiar.catchUpUser({ id: adaId, timezone: 'Europe/Paris' });
      expect(await texts(adaId)).toEqual(['nice to meet you', 'no problem, sorry']);
      const facts = await familiar.memory.listFacts(cli(), { status: 'all', limit: 1000 });
      expect(JSON.stringify(facts)).not.toMatch(/quarterly|recorded/);
      const notes = await familiar.notifier.list(adaId);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ title: 'Someone asked not to be remembered' });
      const audit = await (await get('/v1/audit?action=consent.', ada)).json();
      expect(audit.events).toMatchObject([
        {
          action: 'consent.opt-out',
          actor: 'consent',
          details: { source: 'spoken', speaker: 'unrecognised', utterances: 2 },
        },
      ]);
      // Bo's timeline is Bo's: nothing of it was read or forgotten for Ada.
      expect(await texts(boId)).toEqual(["don't remember me"]);
    });
  });
});
