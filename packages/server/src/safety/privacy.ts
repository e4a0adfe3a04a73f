import type { CaptureState } from '@familiar/protocol';
import type { AuditLog } from '../audit/index.ts';
import type { Clock, IdGenerator } from '../kernel/index.ts';
import type { Actor, Timeline } from '../memory/index.ts';
import { type CaptureStateStore, presentCaptureState } from './capture-state.ts';

/**
 * The privacy service: pauses and resumes capture for a user. A change is recorded as an `event` on the
 * timeline, so the person later sees when capture was off and who turned it off, and in the audit log as
 * `privacy.pause` or `privacy.resume` with the actor (`device:<id>`, `cli`, `server`) that did it.
 */
export function createPrivacy(deps: {
  store: CaptureStateStore;
  timeline: Timeline;
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
}) {
  const { store, timeline, audit, clock, newId } = deps;
  return {
    async state(userId: string): Promise<CaptureState> {
      return presentCaptureState(await store.get(userId));
    },
    async isPaused(userId: string): Promise<boolean> {
      return (await store.get(userId))?.paused ?? false;
    },
    /** Sets the state; a no-op (and no event) when it is already so. */
    async setPaused(
      actor: Actor,
      paused: boolean,
      byName: string,
    ): Promise<{ state: CaptureState; changed: boolean }> {
      const current = await store.get(actor.userId);
      if ((current?.paused ?? false) === paused)
        return { state: presentCaptureState(current), changed: false };
      const now = clock.now();
      const next = { userId: actor.userId, paused, changedAt: now, changedBy: actor.label };
      await store.set(next);
      await timeline.ingest(actor, [
        {
          id: newId(),
          modality: 'event',
          capturedAt: new Date(now).toISOString(),
          text: paused ? `Capture paused from ${byName}.` : `Capture resumed from ${byName}.`,
          provenance: { engine: 'familiar-privacy' },
        },
      ]);
      await audit.record({
        userId: actor.userId,
        at: now,
        actor: actor.label,
        action: paused ? 'privacy.pause' : 'privacy.resume',
        target: actor.deviceId,
        details: null,
      });
      return { state: presentCaptureState(next), changed: true };
    },
    changedSince: (since: number) => store.changedSince(since),
  };
}

/** The privacy service's type. */
export type Privacy = ReturnType<typeof createPrivacy>;
