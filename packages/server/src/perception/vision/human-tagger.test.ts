import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedFrame, FrameTags } from '../ports.ts';
import { decodeFrame } from './frame-decoder.ts';
import { createHumanTagger } from './human-tagger.ts';

const PHOTOS = '/usr/share/doc/opencv-doc/examples/data';
const hasPhotos = existsSync(join(PHOTOS, 'messi5.jpg'));

const photo = (name: string): Promise<DecodedFrame> => decodeFrame(readFileSync(join(PHOTOS, name)));

function expectInside(tags: FrameTags, frame: DecodedFrame): void {
  for (const { box } of [...tags.objects, ...tags.faces]) {
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.width).toBeGreaterThan(0);
    expect(box.height).toBeGreaterThan(0);
    expect(box.x + box.width).toBeLessThanOrEqual(frame.width);
    expect(box.y + box.height).toBeLessThanOrEqual(frame.height);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('human tagger without an engine', () => {
  it('refuses a frame whose bytes do not match its size, before loading anything', async () => {
    const tagger = createHumanTagger();
    await expect(tagger.tag({ width: 4, height: 4, rgb: new Uint8Array(10) })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await tagger.close();
    await expect(tagger.tag({ width: 1, height: 1, rgb: new Uint8Array(3) })).rejects.toThrow(/closed/);
  });
});

describe.skipIf(!hasPhotos)(
  'human tagger on opencv-doc photos (medium: real tfjs wasm engine; needs Debian opencv-doc)',
  () => {
    const tagger = createHumanTagger();
    afterAll(() => tagger.close());

    it('names the engine and its version', () => {
      expect(tagger.name).toMatch(/^human 3\.3\.\d+ \(tfjs wasm\)$/);
    });

    it("finds Messi's face and the players, without descriptors unless asked", async () => {
      const frame = await photo('messi5.jpg');
      const first = await timed(() => tagger.tag(frame));
      const again = await timed(() => tagger.tag(frame));
      const described = await timed(() => tagger.tag(frame, { descriptors: true }));
      const median = async (descriptors: boolean) => {
        const times: number[] = [];
        for (let run = 0; run < 3; run += 1)
          times.push((await timed(() => tagger.tag(frame, { descriptors }))).ms);
        return times.sort((a, b) => a - b)[1]!.toFixed(0);
      };
      console.log(
        `human tagger, messi5.jpg ${frame.width}×${frame.height}: first frame (loads models) ${first.ms.toFixed(0)} ms, ` +
          `then median of 3: objects + faces ${await median(false)} ms, with descriptors ${await median(true)} ms`,
      );
      const tags = again.value;
      expect(tags.faces.length).toBeGreaterThanOrEqual(1);
      const face = tags.faces[0]!;
      expect(face.score).toBeGreaterThanOrEqual(0.5);
      expect(face.descriptor).toBeUndefined();
      // Messi's face is about 64 px square around (242, 114).
      expect(face.box.x).toBeGreaterThan(190);
      expect(face.box.x + face.box.width).toBeLessThan(300);
      expect(face.box.y).toBeGreaterThan(60);
      expect(face.box.y + face.box.height).toBeLessThan(170);
      const person = tags.objects.find((object) => object.label === 'person');
      expect(person?.score).toBeGreaterThanOrEqual(0.3);
      expect(tags.objects.every((object) => object.score >= 0.3)).toBe(true);
      expectInside(tags, frame);
      expect(first.value).toEqual(tags);

      const descriptor = described.value.faces[0]?.descriptor;
      expect(descriptor).toBeInstanceOf(Float32Array);
      expect(descriptor).toHaveLength(1024);
      expect(described.value.faces.map((withDescriptor) => withDescriptor.box)).toEqual(
        tags.faces.map((without) => without.box),
      );
    });

    it('finds no face in photos without people', async () => {
      for (const name of ['building.jpg', 'aero1.jpg', 'fruits.jpg']) {
        const frame = await photo(name);
        const { value: tags, ms } = await timed(() => tagger.tag(frame, { descriptors: true }));
        console.log(
          `human tagger, ${name} ${frame.width}×${frame.height}: ${ms.toFixed(0)} ms, ` +
            `objects ${tags.objects.map((object) => `${object.label} ${object.score.toFixed(2)}`).join(', ') || 'none'}`,
        );
        expect(tags.faces).toEqual([]);
        expect(tags.objects.some((object) => object.label === 'person')).toBe(false);
        // fruits.jpg's orange reaches past the top edge in the model's answer; boxes stay inside the frame.
        expectInside(tags, frame);
      }
    });

    it('answers frames given at the same time as it answers them one by one', async () => {
      const messi = await photo('messi5.jpg');
      const building = await photo('building.jpg');
      const alone = [await tagger.tag(messi), await tagger.tag(building)];
      const together = await Promise.all([tagger.tag(messi), tagger.tag(building), tagger.tag(messi)]);
      expect(together).toEqual([alone[0], alone[1], alone[0]]);
    });

    it('loads the models again for a new tagger after all taggers closed', async () => {
      const frame = await photo('messi5.jpg');
      const first = createHumanTagger({ faceThreshold: 0.95 });
      const expected = await tagger.tag(frame);
      expect((await first.tag(frame)).faces).toEqual([]);
      await first.close();
      await tagger.close();
      await expect(first.tag(frame)).rejects.toThrow(/closed/);
      const second = createHumanTagger();
      try {
        expect(await second.tag(frame)).toEqual(expected);
      } finally {
        await second.close();
      }
    });
  },
);
