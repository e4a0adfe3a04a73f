import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedFrame } from '../ports.ts';
import { FACE_MATCH_THRESHOLD, faceSimilarity, matchFace } from './face-matcher.ts';
import { decodeFrame } from './frame-decoder.ts';
import { createHumanTagger } from './human-tagger.ts';

/** A descriptor at Euclidean distance `distance` from the zero descriptor. */
function atDistance(distance: number, length = 1024): Float32Array {
  const descriptor = new Float32Array(length);
  descriptor[0] = distance;
  return descriptor;
}

describe('faceSimilarity and matchFace', () => {
  it("scores like Human's match.similarity: 1 when equal, 0.5 at distance 10, 0 from distance 16", () => {
    const zero = new Float32Array(1024);
    expect(faceSimilarity(zero, zero)).toBe(1);
    expect(faceSimilarity(zero, atDistance(4))).toBeCloseTo(1, 6);
    expect(faceSimilarity(zero, atDistance(10))).toBeCloseTo(0.5, 6);
    expect(faceSimilarity(zero, atDistance(13))).toBeCloseTo(0.25, 6);
    expect(faceSimilarity(zero, atDistance(16))).toBe(0);
    expect(faceSimilarity(zero, atDistance(40))).toBe(0);
    expect(faceSimilarity(zero, new Float32Array(512))).toBe(0);
  });

  it('names the most similar enrolled person at or above the threshold, and nobody below it', () => {
    const face = new Float32Array(1024);
    const enrolled = [
      { personId: 'far', descriptor: atDistance(15) },
      { personId: 'near', descriptor: atDistance(6) },
      { personId: 'closer', descriptor: Array.from({ length: 1024 }, () => 0.1) }, // distance 3.2
      { personId: 'other-model', descriptor: new Float32Array(128) },
    ];
    const match = matchFace(face, enrolled);
    expect(match?.personId).toBe('closer');
    expect(match?.similarity).toBeGreaterThan(faceSimilarity(face, atDistance(6)));
    expect(matchFace(face, [enrolled[0]!])).toBeNull();
    expect(matchFace(face, [enrolled[0]!], 0.05)?.personId).toBe('far');
    expect(matchFace(face, [{ personId: 'inside', descriptor: atDistance(9.9) }], 0.5)?.personId).toBe(
      'inside',
    );
    expect(matchFace(face, [{ personId: 'outside', descriptor: atDistance(10.1) }], 0.5)).toBeNull();
    expect(matchFace(face, [])).toBeNull();
  });
});

const PHOTOS = '/usr/share/doc/opencv-doc/examples/data';
const PAGES = '/usr/share/doc/opencv-doc/opencv4/html';
/** Photos of people other than Messi that ship in opencv-doc's HTML manual. */
const OTHER_PEOPLE = [
  ['face_swapped.jpg', 'a bearded man'],
  ['julia_facedetect_sample.jpg', 'the Mona Lisa'],
  ['facereg.jpg', 'four people in a 2×2 grid'],
] as const;
const hasPhotos =
  existsSync(join(PHOTOS, 'messi5.jpg')) && OTHER_PEOPLE.every(([name]) => existsSync(join(PAGES, name)));

describe.skipIf(!hasPhotos)(
  'matchFace on FaceRes descriptors (medium: real tfjs wasm engine; needs Debian opencv-doc)',
  () => {
    const tagger = createHumanTagger();
    afterAll(() => tagger.close());

    async function descriptors(frame: DecodedFrame): Promise<Float32Array[]> {
      const tags = await tagger.tag(frame, { descriptors: true });
      return tags.faces.map((face) => face.descriptor!);
    }

    it('knows Messi again in an altered copy of his photo, and nobody else', async () => {
      const messiBytes = readFileSync(join(PHOTOS, 'messi5.jpg'));
      const [enrolled] = await descriptors(await decodeFrame(messiBytes));
      expect(enrolled).toHaveLength(1024);
      const people = [{ personId: 'messi', descriptor: enrolled! }];

      // 5 % cut from each side, scaled to 80 %, 10 % brighter, saved as JPEG again.
      const altered = await sharp(messiBytes)
        .extract({ left: 27, top: 17, width: 494, height: 308 })
        .resize({ width: 395 })
        .modulate({ brightness: 1.1 })
        .jpeg({ quality: 85 })
        .toBuffer();
      const [again] = await descriptors(await decodeFrame(altered));
      const match = matchFace(again!, people);
      console.log(`face match: messi5 vs altered messi5, similarity ${match?.similarity.toFixed(3)}`);
      expect(match?.personId).toBe('messi');
      expect(match!.similarity).toBeGreaterThanOrEqual(0.75);

      let others = 0;
      for (const [name, who] of OTHER_PEOPLE) {
        const faces = await descriptors(await decodeFrame(readFileSync(join(PAGES, name))));
        expect(faces.length).toBeGreaterThanOrEqual(1);
        const similarities = faces.map((face) => faceSimilarity(face, enrolled!));
        console.log(
          `face match: messi5 vs ${name} (${who}), similarities ${similarities.map((s) => s.toFixed(3)).join(', ')}`,
        );
        for (const face of faces) expect(matchFace(face, people)).toBeNull();
        expect(Math.max(...similarities)).toBeLessThan(FACE_MATCH_THRESHOLD - 0.1);
        others += faces.length;
      }
      expect(others).toBeGreaterThanOrEqual(6);
    });
  },
);
