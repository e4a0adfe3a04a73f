import type { AuditLog } from '../../audit/index.ts';
import { type Clock, formatMoment, type Logger, NotFoundError } from '../../kernel/index.ts';
import type {
  Actor,
  MemoryCursors,
  PeopleStore,
  Person,
  StoredObservation,
  Timeline,
  TimelineReviewer,
  TimelineStore,
  UnderstandingUser,
} from '../../memory/index.ts';
import { nextTurn } from '../../memory/index.ts';
import { FACE_DESCRIPTOR_MODEL } from '../image-perception.ts';
import type { VoiceprintStore } from '../speakers/voiceprint-store.ts';
import { detectConsentRequest } from './consent-request.ts';
import type { Span, SpeechSilencer } from './speech-silencer.ts';

/** The cursor stage the consent review keeps in `memory_cursors` (reset with the others by forget everything). */
export const CONSENT_STAGE = 'consent';
/** How the consent review appears in the audit log and on what it forgets. */
export const CONSENT_ACTOR_LABEL = 'consent';
/** How far around a spoken request the same voice's speech is dropped, by default (10 minutes each way). */
export const DEFAULT_RECENT_MS = 10 * 60_000;

/** The speaker label of the person wearing the device: their own words are never a bystander's request. */
const WEARER = 'wearer';
/** How many observations one forget takes at a time. */
const FORGET_CHUNK = 200;
/** How much of the timeline one read takes. */
const BATCH = 500;

/** What opting a person out removed. */
export interface OptOutResult {
  person: Person;
  /** Their utterances (by enrolled voice or speaker name) forgotten. */
  utterances: number;
  /** Frames that named them forgotten (the blurred frame goes with its capture). */
  frames: number;
  /** Face prints removed (they are never matched again). */
  facePrints: number;
  /** Voiceprints kept so that their speech keeps being recognised and left untranscribed. */
  voiceprintsKept: number;
  captures: number;
  blobs: number;
  /** Recordings kept for others who spoke in them, with this person's speech silenced in the raw audio. */
  audioSilenced: number;
}

/** What one spoken request did. */
export interface SpokenRequestResult {
  /** The request's observation id (forgotten with the rest). */
  requestId: string;
  /** The person their voice matched, now opted out; null for an unrecognised voice. */
  personId: string | null;
  /** Utterances of the same voice around the request forgotten (the request included). */
  utterances: number;
}

/** How consent reaches the person wearing the device (the notifier, in the composition root). */
export type ConsentNotify = (userId: string, message: { title: string; body: string }) => Promise<unknown>;

const lower = (text: string) => text.trim().toLowerCase();

/** The names a person goes by, lower case. */
function namesOf(person: Person): Set<string> {
  return new Set([person.name, ...person.aliases].map(lower).filter((name) => name !== ''));
}

/** True when the observation is speech of this person (their enrolled voice, or a transcript naming them). */
function spokenBy(observation: StoredObservation, person: Person, names: ReadonlySet<string>): boolean {
  if (observation.modality !== 'utterance') return false;
  const speaker = observation.details?.speaker;
  if (!speaker) return false;
  return speaker.personId === person.id || (speaker.personId === null && names.has(lower(speaker.label)));
}

/** True when a frame named this person (only consented, enrolled faces are ever named). */
function showsPerson(observation: StoredObservation, names: ReadonlySet<string>): boolean {
  if (observation.modality !== 'frame') return false;
  return (observation.details?.seen?.people ?? []).some((name) => names.has(lower(name)));
}

/**
 * Consent: a person's opt-out applies to voice and face and to what is already stored, and a bystander who says
 * "don't remember me" is not remembered. Opting out marks the person, removes their face prints, and forgets their
 * utterances and the frames that named them through the timeline (so facts, episodes, vectors and the assistant's
 * inferences follow, as after any forget). Their voiceprints stay: they are what keeps their later speech from
 * being transcribed. `review` follows each user's timeline (its own cursor) and acts on spoken requests by anyone
 * but the wearer: the same voice's speech around the request is forgotten, a recognised person is opted out, and
 * the wearer is told. Every opt-out is audited as `consent.opt-out`, with ids and counts only.
 */
export function createConsent(deps: {
  store: Pick<TimelineStore, 'readSince' | 'listObservations' | 'getObservation'>;
  timeline: Pick<Timeline, 'forget'>;
  people: PeopleStore;
  prints: Pick<VoiceprintStore, 'list' | 'remove'>;
  cursors: MemoryCursors;
  audit: AuditLog;
  notify: ConsentNotify;
  /** Silences forgotten speech in raw audio that stays for others; without it only the transcripts go. */
  silencer?: Pick<SpeechSilencer, 'silence'> | null;
  clock: Clock;
  logger: Logger;
  recentMs?: number;
}) {
  const { store, timeline, people, prints, cursors, audit, notify, clock, logger } = deps;
  const recentMs = deps.recentMs ?? DEFAULT_RECENT_MS;

  /** Forgets the observations, then silences their speech in the recordings that stay for others. */
  async function forgetAll(
    actor: Actor,
    observations: readonly StoredObservation[],
  ): Promise<{ observations: number; captures: number; blobs: number; audioSilenced: number }> {
    const total = { observations: 0, captures: 0, blobs: 0, audioSilenced: 0 };
    const ids = observations.map((observation) => observation.id);
    for (let start = 0; start < ids.length; start += FORGET_CHUNK) {
      const result = await timeline.forget(actor, {
        kind: 'ids',
        ids: ids.slice(start, start + FORGET_CHUNK),
      });
      total.observations += result.observations;
      total.captures += result.captures;
      total.blobs += result.unreferencedBlobs.length;
    }
    const spans = new Map<string, Span[]>();
    for (const observation of observations) {
      const span = observation.details?.span;
      if (observation.modality !== 'utterance' || !observation.captureId || !span) continue;
      spans.set(observation.captureId, [...(spans.get(observation.captureId) ?? []), span]);
    }
    if (deps.silencer)
      for (const [captureId, captureSpans] of spans)
        if (await deps.silencer.silence(actor.userId, captureId, captureSpans)) total.audioSilenced += 1;
    return total;
  }

  /** Marks the person opted out and removes what identifies them; audited by the caller. */
  async function purge(actor: Actor, personId: string): Promise<OptOutResult> {
    const found = await people.get(actor.userId, personId);
    if (!found) throw new NotFoundError('person', personId);
    const person = found.optedOut
      ? found
      : await people.update(actor.userId, personId, { optedOut: true, updatedAt: clock.now() });
    const theirs = (await prints.list(actor.userId)).filter((print) => print.personId === personId);
    const faces = theirs.filter((print) => print.model === FACE_DESCRIPTOR_MODEL);
    for (const face of faces) await prints.remove(actor.userId, face.id);
    const names = namesOf(person);
    const utterances: StoredObservation[] = [];
    const frames: StoredObservation[] = [];
    for (let after = 0; ; ) {
      const batch = await store.readSince(actor.userId, after, BATCH);
      if (batch.length === 0) break;
      for (const { observation } of batch) {
        if (spokenBy(observation, person, names)) utterances.push(observation);
        else if (showsPerson(observation, names)) frames.push(observation);
      }
      after = batch.at(-1)!.seq;
    }
    const forgotten = await forgetAll(actor, [...utterances, ...frames]);
    return {
      person,
      utterances: utterances.length,
      frames: frames.length,
      facePrints: faces.length,
      voiceprintsKept: theirs.length - faces.length,
      captures: forgotten.captures,
      blobs: forgotten.blobs,
      audioSilenced: forgotten.audioSilenced,
    };
  }

  const countsOf = (result: OptOutResult) => ({
    utterances: result.utterances,
    frames: result.frames,
    facePrints: result.facePrints,
    voiceprintsKept: result.voiceprintsKept,
    captures: result.captures,
    blobs: result.blobs,
    audioSilenced: result.audioSilenced,
  });

  /** Utterances of the request's voice on the same device within `recentMs` of it, the request included. */
  async function sameVoiceAround(userId: string, request: StoredObservation): Promise<StoredObservation[]> {
    const label = lower(request.details?.speaker?.label ?? 'unknown');
    const found: StoredObservation[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store.listObservations(userId, {
        fromMs: request.capturedAt - recentMs,
        toMs: request.capturedAt + recentMs + 1,
        modality: 'utterance',
        order: 'asc',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const observation of page.observations) {
        const speaker = lower(observation.details?.speaker?.label ?? 'unknown');
        if (speaker === label && observation.deviceId === request.deviceId) found.push(observation);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    if (!found.some((observation) => observation.id === request.id)) found.push(request);
    return found;
  }

  async function honourSpokenRequest(
    user: UnderstandingUser,
    request: StoredObservation,
    phrase: string,
  ): Promise<SpokenRequestResult> {
    const actor: Actor = { userId: user.id, deviceId: null, label: CONSENT_ACTOR_LABEL };
    const around = await sameVoiceAround(user.id, request);
    const dropped = await forgetAll(actor, around);
    const personId = request.details?.speaker?.personId ?? null;
    const person = personId ? await people.get(user.id, personId) : null;
    const purged = person ? await purge(actor, person.id) : null;
    const utterances = dropped.observations + (purged?.utterances ?? 0);
    await audit.record({
      userId: user.id,
      at: clock.now(),
      actor: CONSENT_ACTOR_LABEL,
      action: 'consent.opt-out',
      target: person?.id ?? null,
      details: {
        source: 'spoken',
        speaker: person ? 'recognised' : 'unrecognised',
        request: request.id,
        ...(purged
          ? {
              ...countsOf(purged),
              utterances,
              captures: purged.captures + dropped.captures,
              blobs: purged.blobs + dropped.blobs,
              audioSilenced: purged.audioSilenced + dropped.audioSilenced,
            }
          : {
              utterances,
              frames: 0,
              facePrints: 0,
              captures: dropped.captures,
              blobs: dropped.blobs,
              audioSilenced: dropped.audioSilenced,
            }),
      },
    });
    const when = formatMoment(request.capturedAt, user.timezone);
    const body = person
      ? `${person.name} asked not to be remembered (${when}). They are now opted out: ${utterances} thing${utterances === 1 ? '' : 's'} they said${purged?.frames ? ` and ${purged.frames} frame${purged.frames === 1 ? '' : 's'} naming them` : ''} were deleted, and their voice and face will not be remembered. \`familiar people opt-in\` undoes the opt-out if they change their mind.`
      : `Someone nearby whose voice is not enrolled asked not to be remembered (${when}). What unrecognised voices said on that device within ${Math.round(recentMs / 60_000)} minutes of it was deleted (${utterances} utterance${utterances === 1 ? '' : 's'}).`;
    await notify(user.id, { title: 'Someone asked not to be remembered', body });
    logger.info(
      { userId: user.id, request: request.id, phrase, recognised: person !== null, utterances },
      'a spoken request not to be remembered was honoured',
    );
    return { requestId: request.id, personId: person?.id ?? null, utterances };
  }

  return {
    /**
     * Opts a person out at the person's (or the wearer's) request: their face prints go, and their stored
     * utterances and the frames naming them are forgotten. Doing it again finds nothing more and is harmless.
     */
    async optOut(actor: Actor, personId: string): Promise<OptOutResult> {
      const result = await purge(actor, personId);
      await audit.record({
        userId: actor.userId,
        at: clock.now(),
        actor: actor.label,
        action: 'consent.opt-out',
        target: personId,
        details: { source: 'request', ...countsOf(result) },
      });
      return result;
    },

    /** Withdraws an opt-out (with the person's agreement); nothing forgotten comes back. */
    async optIn(actor: Actor, personId: string): Promise<Person> {
      const found = await people.get(actor.userId, personId);
      if (!found) throw new NotFoundError('person', personId);
      const person = found.optedOut
        ? await people.update(actor.userId, personId, { optedOut: false, updatedAt: clock.now() })
        : found;
      await audit.record({
        userId: actor.userId,
        at: clock.now(),
        actor: actor.label,
        action: 'consent.opt-in',
        target: personId,
        details: null,
      });
      return person;
    },

    /** Reads the user's timeline since the last review and honours every spoken request by someone but the wearer. */
    async review(user: UnderstandingUser): Promise<SpokenRequestResult[]> {
      const honoured: SpokenRequestResult[] = [];
      let cursor = await cursors.get(user.id, CONSENT_STAGE);
      for (;;) {
        const batch = await store.readSince(user.id, cursor, BATCH);
        if (batch.length === 0) return honoured;
        for (const { observation } of batch) {
          if (observation.modality !== 'utterance') continue;
          if (lower(observation.details?.speaker?.label ?? 'unknown') === WEARER) continue;
          const request = detectConsentRequest(observation.text);
          if (!request) continue;
          // An earlier request in this batch may have forgotten it already (the same voice asking twice).
          if (!(await store.getObservation(user.id, observation.id))) continue;
          honoured.push(await honourSpokenRequest(user, observation, request.phrase));
        }
        cursor = batch.at(-1)!.seq;
        await cursors.set(user.id, CONSENT_STAGE, cursor, clock.now());
        // A long backlog is read in turns, so requests are answered meanwhile (SQLite is synchronous).
        await nextTurn();
      }
    },
  };
}

/** The consent service's type. */
export type Consent = ReturnType<typeof createConsent>;

/** Consent as a reviewer of the understanding pass (run before facts are derived). */
export function consentReviewer(consent: Pick<Consent, 'review'>): TimelineReviewer {
  return {
    async review(user) {
      await consent.review(user);
    },
  };
}
