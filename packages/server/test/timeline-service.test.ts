import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { tempHome } from './support/processes.ts';

/** Medium tests of the timeline service on a real data directory. */
describe('timeline service', () => {
  it('sweeps media files an interrupted forget left behind, but never a fresh upload or a referenced file', async () => {
    const home = tempHome();
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    const actor = { userId: user.id, deviceId: null, label: 'test' };
    const kept = await familiar.timeline.addCapture(actor, {
      bytes: new Uint8Array([1, 2, 3]),
      mediaType: 'image/png',
      capturedAt: 0,
    });
    const orphan = await familiar.blobs.put(user.id, new Uint8Array([4, 5, 6]));
    const fresh = await familiar.blobs.put(user.id, new Uint8Array([7, 8, 9]));
    const old = new Date(Date.now() - 3_600_000);
    for (const sha of [kept.capture.sha256, orphan.sha256]) {
      utimesSync(join(home, 'blobs', user.id, sha.slice(0, 2), sha), old, old);
    }
    expect(await familiar.timeline.sweepOrphanBlobs([user.id])).toBe(1);
    expect(await familiar.blobs.has(user.id, orphan.sha256)).toBe(false);
    expect(await familiar.blobs.has(user.id, fresh.sha256)).toBe(true);
    expect(await familiar.blobs.has(user.id, kept.capture.sha256)).toBe(true);
    await familiar.close();
  });

  it('refuses media that is not audio, image or video, and empty media, storing nothing', async () => {
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: tempHome() }), {
      logger: createSilentLogger(),
    });
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    const actor = { userId: user.id, deviceId: null, label: 'test' };
    await expect(
      familiar.timeline.addCapture(actor, {
        bytes: new Uint8Array([1]),
        mediaType: 'text/html',
        capturedAt: 0,
      }),
    ).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(
      familiar.timeline.addCapture(actor, {
        bytes: new Uint8Array([]),
        mediaType: 'image/png',
        capturedAt: 0,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await familiar.blobs.list(user.id)).toEqual([]);
    expect(await familiar.jobs.backlog()).toEqual([]);
    await familiar.close();
  });
});

describe('audio retention', () => {
  it('deletes raw audio past its retention (files too) and keeps the transcripts', async () => {
    const home = tempHome();
    let now = Date.parse('2026-11-01T09:00:00Z');
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), {
      logger: createSilentLogger(),
      clock: { now: () => now },
    });
    const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' });
    const actor = { userId: user.id, deviceId: null, label: 'test' };
    const recording = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);
    const { capture } = await familiar.timeline.addCapture(actor, {
      bytes: recording,
      mediaType: 'audio/wav',
      capturedAt: now,
    });
    await familiar.timelineStore.setCaptureStatus(user.id, capture.id, 'processed');
    await familiar.timeline.ingest(actor, [
      {
        id: '01JC00000000000000000000T1',
        modality: 'utterance',
        capturedAt: new Date(now).toISOString(),
        text: 'the transcript stays',
        captureId: capture.id,
      },
    ]);
    const file = join(home, 'blobs', user.id, capture.sha256.slice(0, 2), capture.sha256);
    now += 6 * 86_400_000;
    expect(await familiar.timeline.expireMedia([user.id], 'audio', 7)).toBe(0);
    expect(existsSync(file)).toBe(true);
    now += 2 * 86_400_000;
    expect(await familiar.timeline.expireMedia([user.id], 'audio', 7)).toBe(1);
    expect(existsSync(file)).toBe(false);
    const transcript = await familiar.timeline.get(actor, '01JC00000000000000000000T1');
    expect(transcript).toMatchObject({ text: 'the transcript stays', captureId: null });
    expect((await familiar.audit.list(user.id, { action: 'memory.retention' }))[0]?.details).toMatchObject({
      captures: 1,
      blobs: 1,
    });
    await familiar.close();
  });
});
