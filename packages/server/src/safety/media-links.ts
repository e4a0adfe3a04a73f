import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../kernel/index.ts';

/** Signs and checks short-lived links to capture media, so an `<img>` or `<audio>` tag can load cited media. */
export function createMediaLinks(deps: { secret: Uint8Array; clock: Clock; ttlSeconds: number }) {
  const { secret, clock, ttlSeconds } = deps;
  const sign = (userId: string, captureId: string, expires: number) =>
    createHmac('sha256', secret).update(`media:${userId}:${captureId}:${expires}`).digest('base64url');
  return {
    /** A path with `u`, `expires` and `signature` query parameters, valid for the configured lifetime. */
    urlFor(userId: string, captureId: string): { url: string; expiresAt: number } {
      const expires = Math.floor(clock.now() / 1000) + ttlSeconds;
      const query = new URLSearchParams({
        u: userId,
        expires: String(expires),
        signature: sign(userId, captureId, expires),
      });
      return { url: `/v1/captures/${captureId}/media?${query}`, expiresAt: expires * 1000 };
    },
    /** True when the signature matches and has not expired. */
    verify(userId: string, captureId: string, expires: number, signature: string): boolean {
      if (!Number.isInteger(expires) || expires * 1000 < clock.now()) return false;
      const expected = Buffer.from(sign(userId, captureId, expires));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

/** The media-link signer's type. */
export type MediaLinks = ReturnType<typeof createMediaLinks>;
