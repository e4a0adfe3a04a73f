/**
 * Similarity at or above which two FaceRes descriptors are taken for the same person. Human documents 0.5 as its
 * match level; measured on the opencv-doc photos (see `face-matcher.test.ts`): the same face cropped, rescaled,
 * brightened, recompressed or mirrored scores 0.84-0.94 (0.62 when the face is only 32 px wide), seven faces of
 * other people score 0.05-0.28 against it.
 */
export const FACE_MATCH_THRESHOLD = 0.5;

/** A face enrolled for a person. */
export interface EnrolledFace {
  personId: string;
  descriptor: ArrayLike<number>;
}

/** The enrolled person a face was matched to. */
export interface FaceMatch {
  personId: string;
  similarity: number;
}

/**
 * Human's `match.similarity` with its defaults (Euclidean distance, multiplier 25, range 0.2-0.8), unrounded:
 * 1 for equal descriptors, 0.5 at a distance of 10, 0 from a distance of 16. Descriptors of different lengths
 * (from different models) are not comparable and score 0.
 */
export function faceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let squares = 0;
  for (let index = 0; index < a.length; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    squares += difference * difference;
  }
  const normalised = (1 - Math.sqrt(25 * squares) / 100 - 0.2) / (0.8 - 0.2);
  return Math.min(1, Math.max(0, normalised));
}

/**
 * The enrolled person whose face is most similar to a face's descriptor, or null when none reaches the threshold.
 * Faces smaller than about 40 px give descriptors that match their own person less well.
 */
export function matchFace(
  descriptor: ArrayLike<number>,
  enrolled: readonly EnrolledFace[],
  threshold = FACE_MATCH_THRESHOLD,
): FaceMatch | null {
  let best: FaceMatch | null = null;
  for (const face of enrolled) {
    const similarity = faceSimilarity(descriptor, face.descriptor);
    if (similarity >= threshold && (!best || similarity > best.similarity)) {
      best = { personId: face.personId, similarity };
    }
  }
  return best;
}
