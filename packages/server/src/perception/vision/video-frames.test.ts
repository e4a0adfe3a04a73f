import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../../test/support/mock-models.ts';
import { FamiliarError } from '../../kernel/index.ts';
import { decodeFrame } from './frame-decoder.ts';
import { createFrameDeduplicator } from './perceptual-hash.ts';
import { extractVideoFrames, probeDurationMs, type VideoFrame } from './video-frames.ts';

const HAS_FFMPEG =
  spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

/** Where these tests let `extractVideoFrames` make its temporary folders (so other test files cannot interfere). */
let temporaryRoot = '';
const frameFolders = () => readdirSync(temporaryRoot);

async function failure(promise: Promise<unknown>): Promise<FamiliarError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FamiliarError);
  expect((error as FamiliarError).code).toBe('validation_failed');
  return error as FamiliarError;
}

let folder = '';
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'familiar-video-test-'));
  temporaryRoot = join(folder, 'frames');
  mkdirSync(temporaryRoot);
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes an executable shell script standing in for ffprobe. */
function fakeTool(name: string, script: string): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('extractVideoFrames and probeDurationMs without a video', () => {
  it('names ffmpeg and ffprobe when they are not installed', async () => {
    const file = join(folder, 'clip.mp4');
    writeFileSync(file, 'not really a video');
    const ffmpeg = await failure(
      collect(extractVideoFrames(file, { ffmpegPath: join(folder, 'no-ffmpeg'), temporaryRoot })),
    );
    expect(ffmpeg.message).toBe(
      'reading video needs ffmpeg, which is not installed (apt-get install ffmpeg)',
    );
    const ffprobe = await failure(probeDurationMs(file, { ffprobePath: join(folder, 'no-ffprobe') }));
    expect(ffprobe.message).toBe(
      'reading video needs ffprobe, which is not installed (apt-get install ffmpeg)',
    );
    expect(frameFolders()).toEqual([]);
  });

  it('refuses a missing file and impossible options before starting ffmpeg', async () => {
    expect((await failure(collect(extractVideoFrames(join(folder, 'missing.mp4'))))).message).toMatch(
      /missing\.mp4 does not exist or is not a file$/,
    );
    const file = join(folder, 'clip.mp4');
    writeFileSync(file, 'x');
    expect((await failure(collect(extractVideoFrames(file, { fps: 0 })))).message).toMatch(/above 0/);
    expect((await failure(collect(extractVideoFrames(file, { maxSide: 4 })))).message).toMatch(/≥ 16/);
    await failure(probeDurationMs(join(folder, 'missing.mp4')));
  });

  it("reads ffprobe's JSON through a schema: container duration, else the longest stream, else null", async () => {
    const file = join(folder, 'clip.mp4');
    writeFileSync(file, 'x');
    const answer = (json: string) => fakeTool('ffprobe-answer', `cat <<'EOF'\n${json}\nEOF`);
    await expect(
      probeDurationMs(file, { ffprobePath: answer('{"format":{"duration":"30.000000"},"streams":[]}') }),
    ).resolves.toBe(30_000);
    const live =
      '{"format":{"duration":"N/A"},"streams":[{"codec_type":"video","duration":"12.3456"},{"codec_type":"audio","duration":"12.5"}]}';
    await expect(probeDurationMs(file, { ffprobePath: answer(live) })).resolves.toBe(12_500);
    await expect(
      probeDurationMs(file, { ffprobePath: answer('{"format":{},"streams":[]}') }),
    ).resolves.toBeNull();
    expect(
      (await failure(probeDurationMs(file, { ffprobePath: answer('{"format":{"duration":30}}') }))).details,
    ).toEqual({
      issues: ['format.duration: Invalid input: expected string, received number'],
    });
    expect(
      (await failure(probeDurationMs(file, { ffprobePath: answer('Segmentation fault') }))).message,
    ).toMatch(/not JSON/);
    const broken = fakeTool(
      'ffprobe-broken',
      'echo "clip.mp4: Invalid data found when processing input" >&2\nexit 1',
    );
    expect((await failure(probeDurationMs(file, { ffprobePath: broken }))).message).toBe(
      'ffprobe could not read clip.mp4: clip.mp4: Invalid data found when processing input',
    );
  });
});

describe.skipIf(!HAS_FFMPEG)(
  'extractVideoFrames on a real video (needs ffmpeg: apt-get install ffmpeg)',
  () => {
    let video = '';

    beforeAll(async () => {
      // A static sign: a red panel with a white arrow and a bar, 1600×900.
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900">
      <rect width="1600" height="900" fill="#f4f4f0"/>
      <rect x="300" y="200" width="1000" height="500" rx="40" fill="#c62828"/>
      <polygon points="420,450 760,260 760,380 1180,380 1180,520 760,520 760,640" fill="#ffffff"/>
      <rect x="300" y="740" width="1000" height="40" fill="#263238"/>
    </svg>`;
      const sign = join(folder, 'sign.png');
      await sharp(Buffer.from(svg)).png().toFile(sign);
      video = join(folder, 'sign.mp4');
      execFileSync('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', sign],
        ...['-t', '30', '-r', '10', '-pix_fmt', 'yuv420p', video],
      ]);
    }, 60_000);

    it('probes a 30-second video', async () => {
      expect(await probeDurationMs(video)).toBe(30_000);
    });

    it('takes 30 frames at 1 fps, each a JPEG at most 1280 px wide, and removes its temporary folder', async () => {
      const frames = await collect(extractVideoFrames(video, { temporaryRoot }));
      expect(frames.map((frame) => frame.offsetMs)).toEqual(
        Array.from({ length: 30 }, (_, index) => index * 1000),
      );
      const first = await decodeFrame(frames[0]!.jpeg);
      expect([first.width, first.height]).toEqual([1280, 720]);
      expect(frameFolders()).toEqual([]);
    });

    it('leaves one kept frame standing for all 30 after deduplication', async () => {
      const dedup = createFrameDeduplicator();
      const startedAt = Date.UTC(2026, 10, 29, 9, 0, 0);
      let kept = 0;
      for await (const frame of extractVideoFrames(video)) {
        if (dedup.consider('video', await decodeFrame(frame.jpeg), startedAt + frame.offsetMs).keep)
          kept += 1;
      }
      expect(kept).toBe(1);
      expect(dedup.summary('video')).toEqual({
        considered: 30,
        kept: 1,
        dropped: 29,
        current: { count: 30, firstAt: startedAt, lastAt: startedAt + 29_000 },
      });
    });

    it('honours fps and maxSide, and cleans up when the reader stops early', async () => {
      const taken: VideoFrame[] = [];
      for await (const frame of extractVideoFrames(video, { fps: 2, maxSide: 320, temporaryRoot })) {
        taken.push(frame);
        if (taken.length === 3) break;
      }
      expect(taken.map((frame) => frame.offsetMs)).toEqual([0, 500, 1000]);
      const small = await decodeFrame(taken[0]!.jpeg);
      expect([small.width, small.height]).toEqual([320, 180]);
      expect(frameFolders()).toEqual([]);
    });

    it('quotes ffmpeg when the file is not a video', async () => {
      const text = join(folder, 'notes.mp4');
      writeFileSync(text, 'these are meeting notes, not a video\n');
      const error = await failure(collect(extractVideoFrames(text, { temporaryRoot })));
      expect(error.message).toMatch(/^ffmpeg could not read the video notes\.mp4: .*Invalid data found/);
      expect(frameFolders()).toEqual([]);
    });
  },
);
