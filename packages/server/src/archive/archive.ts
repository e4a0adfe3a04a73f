import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CaptureSchema,
  EpisodeSummarySchema,
  FactSchema,
  ObservationSchema,
  PROTOCOL_VERSION,
} from '@familiar/protocol';
import { z } from 'zod';
import type { Accounts, User } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import {
  type Clock,
  describeIssues,
  FamiliarError,
  fromIso,
  type IdGenerator,
  readJsonLines,
  ValidationError,
} from '../kernel/index.ts';
import {
  type EpisodeStore,
  FactKindSchema,
  type FactStore,
  type NewObservation,
  type NewPerson,
  type PeopleStore,
  presentCapture,
  presentEpisode,
  presentFact,
  presentObservation,
  type StoredCapture,
  type Timeline,
  type Understanding,
} from '../memory/index.ts';

/** The manifest at the top of an export directory. */
export const ManifestSchema = z.object({
  format: z.literal('familiar-export'),
  version: z.literal(1),
  protocolVersion: z.number().int(),
  exportedAt: z.string(),
  user: z.object({ name: z.string(), timezone: z.string() }),
  counts: z.object({
    observations: z.number().int(),
    captures: z.number().int(),
    blobs: z.number().int(),
    people: z.number().int(),
    /** The person's own corrections of facts, and episodes they titled (absent in older exports). */
    facts: z.number().int().optional(),
    episodes: z.number().int().optional(),
  }),
});

const PersonLineSchema = z.object({
  name: z.string().min(1),
  aliases: z.array(z.string()),
  optedOut: z.boolean(),
  relationship: z.string().nullable().optional(),
  importantDates: z.array(z.object({ label: z.string(), date: z.string() })).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const PAGE = 1000;

/**
 * Exports and imports a user's whole timeline: observations, captures with their media, people, and what the person
 * told memory themselves (fact corrections, episode titles). Facts and episodes memory derived are not exported:
 * the importing side derives them again from the observations.
 */
export function createArchive(deps: {
  accounts: Accounts;
  timeline: Timeline;
  people: PeopleStore;
  facts: FactStore;
  episodes: EpisodeStore;
  understanding: Pick<Understanding, 'catchUp'>;
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
}) {
  const { accounts, timeline, people, facts, episodes, understanding, audit, clock, newId } = deps;
  const actorFor = (user: User) => ({ userId: user.id, deviceId: null, label: 'cli' });
  const record = (user: User, action: 'export' | 'import', details: Record<string, unknown>) =>
    audit.record({ userId: user.id, at: clock.now(), actor: 'cli', action, target: null, details });

  /** Every observation of the user, oldest first, a page at a time. */
  async function* allObservations(user: User) {
    let cursor: string | undefined;
    do {
      const page = await timeline.list(actorFor(user), {
        limit: PAGE,
        order: 'asc',
        ...(cursor ? { cursor } : {}),
      });
      yield* page.observations;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  return {
    /** Writes observations as JSONL lines through `write` (for `familiar export` to stdout). */
    async exportJsonl(user: User, write: (line: string) => void): Promise<number> {
      let count = 0;
      for await (const observation of allObservations(user)) {
        write(`${JSON.stringify(presentObservation(observation))}\n`);
        count += 1;
      }
      await record(user, 'export', { observations: count, to: 'stdout' });
      return count;
    },

    /** Writes a full export directory: manifest, observations, captures, people and the media blobs. */
    async exportDirectory(user: User, out: string) {
      if (existsSync(out) && readdirSync(out).length > 0) {
        throw new ValidationError(`${out} is not empty: export into a new or empty directory`);
      }
      mkdirSync(join(out, 'blobs'), { recursive: true });
      const observationLines: string[] = [];
      for await (const observation of allObservations(user))
        observationLines.push(JSON.stringify(presentObservation(observation)));
      // Raw frames (images not processed: faces not blurred) are never exported.
      const captures = (await timeline.listCaptures(user.id)).filter(
        (capture) => !(capture.kind === 'image' && capture.status !== 'processed'),
      );
      const hashes = new Set<string>();
      for (const capture of captures) {
        if (hashes.has(capture.sha256)) continue;
        const bytes = await timeline.readBlob(user.id, capture.sha256);
        if (!bytes)
          throw new FamiliarError(
            'storage_failed',
            `the media of capture ${capture.id} is missing from disk`,
          );
        writeFileSync(join(out, 'blobs', capture.sha256), bytes);
        hashes.add(capture.sha256);
      }
      const persons = await people.list(user.id);
      writeFileSync(join(out, 'observations.jsonl'), observationLines.map((l) => `${l}\n`).join(''));
      writeFileSync(
        join(out, 'captures.jsonl'),
        captures.map((c) => `${JSON.stringify(presentCapture(c))}\n`).join(''),
      );
      writeFileSync(
        join(out, 'people.jsonl'),
        persons
          .map(
            (p) =>
              `${JSON.stringify({ name: p.name, aliases: p.aliases, optedOut: p.optedOut, relationship: p.relationship, importantDates: p.importantDates, createdAt: new Date(p.createdAt).toISOString(), updatedAt: new Date(p.updatedAt).toISOString() })}\n`,
          )
          .join(''),
      );
      const corrections = (await facts.list(user.id, { status: 'all', limit: 1_000_000 })).filter(
        (fact) => fact.origin === 'person',
      );
      writeFileSync(
        join(out, 'facts.jsonl'),
        corrections.map((fact) => `${JSON.stringify(presentFact(fact))}\n`).join(''),
      );
      const titled = (await episodes.list(user.id, { limit: 1_000_000 })).filter((episode) => episode.edited);
      writeFileSync(
        join(out, 'episodes.jsonl'),
        titled.map((episode) => `${JSON.stringify(presentEpisode(episode))}\n`).join(''),
      );
      const counts = {
        observations: observationLines.length,
        captures: captures.length,
        blobs: hashes.size,
        people: persons.length,
        facts: corrections.length,
        episodes: titled.length,
      };
      const manifest: z.infer<typeof ManifestSchema> = {
        format: 'familiar-export',
        version: 1,
        protocolVersion: PROTOCOL_VERSION,
        exportedAt: new Date(clock.now()).toISOString(),
        user: { name: user.name, timezone: user.timezone },
        counts,
      };
      writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await record(user, 'export', { ...counts, to: out });
      return counts;
    },

    /**
     * Restores an export directory into the named user (created with the exported time zone if missing). Everything
     * is read and checked first (schemas, blob hashes), so a damaged export changes nothing; re-importing is a no-op.
     */
    async importDirectory(
      dir: string,
      options: { userName?: string; onProgress?: (done: number, total: number) => void } = {},
    ) {
      const manifestPath = join(dir, 'manifest.json');
      if (!existsSync(manifestPath))
        throw new ValidationError(`${dir} is not a Familiar export: it has no manifest.json`);
      let manifestJson: unknown;
      try {
        manifestJson = JSON.parse(readFileSync(manifestPath, 'utf8'));
      } catch {
        throw new ValidationError(`${manifestPath} is not valid JSON`);
      }
      const manifest = ManifestSchema.safeParse(manifestJson);
      if (!manifest.success)
        throw new ValidationError(
          `${manifestPath} is not a Familiar export manifest`,
          describeIssues(manifest.error.issues),
        );

      const readLines = async <T extends z.ZodType>(file: string, schema: T): Promise<Array<z.infer<T>>> => {
        const path = join(dir, file);
        if (!existsSync(path)) return [];
        const { rows, problems } = await readJsonLines(path, schema);
        if (problems.length > 0)
          throw new ValidationError(`${file} has invalid lines; nothing was imported`, problems);
        return rows;
      };

      const observations = await readLines('observations.jsonl', ObservationSchema);
      const captures = await readLines('captures.jsonl', CaptureSchema);
      const persons = await readLines('people.jsonl', PersonLineSchema);
      const corrections = await readLines('facts.jsonl', FactSchema);
      const titled = await readLines('episodes.jsonl', EpisodeSummarySchema);
      const blobs = new Map<string, Uint8Array>();
      for (const capture of captures) {
        if (blobs.has(capture.sha256)) continue;
        const path = join(dir, 'blobs', capture.sha256);
        if (!/^[0-9a-f]{64}$/.test(capture.sha256) || !existsSync(path)) {
          throw new ValidationError(
            `the media of capture ${capture.id} (blobs/${capture.sha256}) is missing; nothing was imported`,
          );
        }
        const bytes = readFileSync(path);
        if (createHash('sha256').update(bytes).digest('hex') !== capture.sha256) {
          throw new ValidationError(`blobs/${capture.sha256} does not match its hash; nothing was imported`);
        }
        blobs.set(capture.sha256, bytes);
      }

      const userName = options.userName ?? manifest.data.user.name;
      const user =
        (await accounts.listUsers()).find((u) => u.name === userName) ??
        (await accounts.addUser({ name: userName, timezone: manifest.data.user.timezone }));

      const total = captures.length + observations.length;
      let done = 0;
      for (const capture of captures) {
        const stored: StoredCapture = {
          id: capture.id,
          userId: user.id,
          deviceId: capture.deviceId,
          kind: capture.kind,
          mediaType: capture.mediaType,
          sha256: capture.sha256,
          size: capture.size,
          capturedAt: fromIso(capture.capturedAt),
          receivedAt: fromIso(capture.receivedAt),
          status: capture.status,
          error: capture.error,
          deviceCapturedAt: capture.deviceCapturedAt === null ? null : fromIso(capture.deviceCapturedAt),
          streamId: capture.streamId,
          streamSeq: capture.streamSeq,
        };
        await timeline.restoreCapture(user.id, stored, blobs.get(capture.sha256)!);
        options.onProgress?.(++done, total);
      }
      let inserted = 0;
      for (let start = 0; start < observations.length; start += PAGE) {
        const batch: NewObservation[] = observations.slice(start, start + PAGE).map((o) => ({
          id: o.id,
          deviceId: o.deviceId,
          modality: o.modality,
          capturedAt: fromIso(o.capturedAt),
          receivedAt: fromIso(o.receivedAt),
          text: o.text,
          captureId: o.captureId,
          provenance: o.provenance,
          trust: o.trust,
          deviceCapturedAt: o.deviceCapturedAt === null ? null : fromIso(o.deviceCapturedAt),
          details: o.details,
        }));
        inserted += (await timeline.restore(user.id, batch)).inserted;
        done += batch.length;
        options.onProgress?.(done, total);
      }
      let peopleAdded = 0;
      for (const person of persons) {
        const existing = await people.find(user.id, person.name);
        if (existing) continue;
        const restored: NewPerson = {
          id: newId(),
          userId: user.id,
          name: person.name,
          aliases: person.aliases,
          optedOut: person.optedOut,
          relationship: person.relationship ?? null,
          importantDates: person.importantDates ?? [],
          createdAt: fromIso(person.createdAt),
          updatedAt: fromIso(person.updatedAt),
        };
        await people.add(restored);
        peopleAdded += 1;
      }
      // The person's corrections go in before memory derives facts again, so a re-extracted fact they corrected is
      // stored already superseded by their correction (same slot, older).
      const known = new Set(
        (await facts.list(user.id, { status: 'all', limit: 1_000_000 }))
          .filter((fact) => fact.origin === 'person')
          .map((fact) => `${fact.slot}\u0000${fact.object}\u0000${fact.observedAt}`),
      );
      let factsRestored = 0;
      for (const fact of [...corrections].sort((a, b) => fromIso(a.observedAt) - fromIso(b.observedAt))) {
        const observedAt = fromIso(fact.observedAt);
        const slot = fact.slot;
        if (known.has(`${slot}\u0000${fact.object}\u0000${observedAt}`)) continue;
        await facts.record(
          user.id,
          {
            id: newId(),
            kind: FactKindSchema.parse(fact.kind),
            subject: fact.subject,
            predicate: fact.predicate,
            object: fact.object,
            slot,
            statement: fact.statement,
            validFrom: fact.validFrom === null ? null : fromIso(fact.validFrom),
            validTo: fact.validTo === null ? null : fromIso(fact.validTo),
            observedAt,
            trust: 'authored',
            confidence: fact.confidence,
            origin: 'person',
            personId: null,
            createdAt: clock.now(),
          },
          [],
        );
        factsRestored += 1;
      }
      await understanding.catchUp({ id: user.id, timezone: user.timezone });
      let episodesTitled = 0;
      for (const wanted of titled) {
        const from = fromIso(wanted.startedAt);
        const to = fromIso(wanted.endedAt);
        const overlapping = await episodes.list(user.id, { fromMs: from, toMs: to + 1 });
        const best = overlapping
          .map((episode) => ({
            episode,
            overlap: Math.min(episode.endedAt, to) - Math.max(episode.startedAt, from),
          }))
          .sort((a, b) => b.overlap - a.overlap)[0];
        if (!best) continue;
        await episodes.update(
          user.id,
          best.episode.id,
          { title: wanted.title, summary: wanted.summary },
          clock.now(),
        );
        episodesTitled += 1;
      }
      const result = {
        user: user.name,
        observations: observations.length,
        inserted,
        captures: captures.length,
        people: peopleAdded,
        facts: factsRestored,
        episodes: episodesTitled,
      };
      await record(user, 'import', { ...result, from: dir });
      return result;
    },
  };
}

/** The archive service's type. */
export type Archive = ReturnType<typeof createArchive>;
