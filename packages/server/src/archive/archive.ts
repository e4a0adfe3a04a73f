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
import {
  ASSISTANT_STAGE,
  FACTS_STAGE,
  GoalTargetSchema,
  InboxKindSchema,
  InboxStatusSchema,
  PartialAssistantSettingsSchema,
  type PrunableGoalStore,
} from '../assistant/index.ts';
import type { InboxStore, SettingsStore } from '../assistant/types.ts';
import type { AuditLog } from '../audit/index.ts';
import {
  type Clock,
  describeIssues,
  FamiliarError,
  fromIso,
  type IdGenerator,
  readJsonLines,
  toIso,
  ValidationError,
} from '../kernel/index.ts';
import {
  type EpisodeStore,
  FactKindSchema,
  type FactStore,
  type MemoryCursors,
  type NewObservation,
  type NewPerson,
  type PeopleStore,
  presentCapture,
  presentEpisode,
  presentFact,
  presentObservation,
  type StoredCapture,
  type Timeline,
  type TimelineStore,
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
    /**
     * The assistant's data (absent in older exports, which import as before): goals with their progress entries,
     * inbox items, and whether the person chose settings. Files and counts were added compatibly, so the version
     * stays 1: an older export has none of these files and imports unchanged.
     */
    goals: z.number().int().optional(),
    progress: z.number().int().optional(),
    inbox: z.number().int().optional(),
    settings: z.number().int().optional(),
  }),
});

const isoTime = z.string().refine((value) => Number.isFinite(Date.parse(value)), 'an ISO 8601 time');

/** A progress entry in `goals.jsonl`: its sources are observation ids of `observations.jsonl`. */
const ProgressLineSchema = z.object({
  id: z.string().min(1),
  amount: z.number().finite(),
  unit: z.string().min(1),
  at: isoTime,
  confidence: z.number().min(0).max(1),
  status: z.enum(['inferred', 'confirmed', 'rejected']),
  origin: z.enum(['rules', 'model', 'person']),
  evidence: z.string(),
  sources: z.array(z.string()),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** One goal per line of `goals.jsonl`, with its progress entries. */
const GoalLineSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  text: z.string(),
  activity: z.string().min(1),
  about: z.array(z.string()),
  target: GoalTargetSchema,
  deadline: isoTime.nullable(),
  plan: z.array(z.string()),
  status: z.enum(['active', 'achieved', 'abandoned']),
  startedAt: isoTime,
  createdAt: isoTime,
  updatedAt: isoTime,
  progress: z.array(ProgressLineSchema),
});

/**
 * One inbox item per line of `inbox.jsonl`. Sources are observation ids; the person it is about goes by name (people
 * get new ids on import); the fact it came from is not kept (facts are derived again, with new ids).
 */
const InboxLineSchema = z.object({
  id: z.string().min(1),
  kind: InboxKindSchema,
  title: z.string().min(1),
  body: z.string(),
  due: isoTime.nullable(),
  reason: z.string().min(1),
  status: InboxStatusSchema,
  snoozedUntil: isoTime.nullable(),
  goalId: z.string().min(1).nullable(),
  person: z.string().min(1).nullable(),
  dedupeKey: z.string().min(1),
  notifiedAt: isoTime.nullable(),
  completedAt: isoTime.nullable(),
  sources: z.array(z.string()),
  createdAt: isoTime,
  updatedAt: isoTime,
});

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));
const msOrNull = (iso: string | null): number | null => (iso === null ? null : fromIso(iso));

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
 * Exports and imports a user's whole timeline: observations, captures with their media, people, what the person
 * told memory themselves (fact corrections, episode titles), and the assistant's goals, inbox and settings. Facts and episodes memory derived are not exported:
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
  /**
   * The assistant's stores, to export and restore goals (with progress), inbox items and settings. Pending actions
   * are not exported: they wait minutes for a yes or no and expire, so a restored one would only ever be expired.
   */
  assistant?: {
    goals: PrunableGoalStore;
    inbox: InboxStore;
    settings: SettingsStore;
    /** Reads write positions of the restored observations, to link sources. */
    store: Pick<TimelineStore, 'readSince'>;
    cursors: MemoryCursors;
  };
}) {
  const { accounts, timeline, people, facts, episodes, understanding, audit, clock, newId, assistant } = deps;
  const actorFor = (user: User) => ({ userId: user.id, deviceId: null, label: 'cli' });
  const record = (user: User, action: 'data.export' | 'data.import', details: Record<string, unknown>) =>
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

  /** Writes `goals.jsonl`, `inbox.jsonl` and `settings.json` (what the person chose) into an export directory. */
  async function exportAssistant(
    user: User,
    out: string,
    persons: ReadonlyArray<{ id: string; name: string }>,
  ): Promise<{ goals: number; progress: number; inbox: number; settings: number }> {
    const { goals, inbox, settings } = assistant!;
    const goalLines: string[] = [];
    let progressCount = 0;
    for (const goal of await goals.list(user.id, { status: 'all' })) {
      const entries = await goals.listProgress(user.id, goal.id);
      progressCount += entries.length;
      const line: z.infer<typeof GoalLineSchema> = {
        id: goal.id,
        title: goal.title,
        text: goal.text,
        activity: goal.activity,
        about: goal.about,
        target: goal.target,
        deadline: isoOrNull(goal.deadline),
        plan: goal.plan,
        status: goal.status,
        startedAt: toIso(goal.startedAt),
        createdAt: toIso(goal.createdAt),
        updatedAt: toIso(goal.updatedAt),
        progress: entries.map((entry) => ({
          id: entry.id,
          amount: entry.amount,
          unit: entry.unit,
          at: toIso(entry.at),
          confidence: entry.confidence,
          status: entry.status,
          origin: entry.origin,
          evidence: entry.evidence,
          sources: entry.sources,
          createdAt: toIso(entry.createdAt),
          updatedAt: toIso(entry.updatedAt),
        })),
      };
      goalLines.push(JSON.stringify(line));
    }
    const names = new Map(persons.map((person) => [person.id, person.name]));
    const items = await inbox.list(user.id, { statuses: 'all' });
    const itemLines = items.map((item) => {
      const line: z.infer<typeof InboxLineSchema> = {
        id: item.id,
        kind: item.kind,
        title: item.title,
        body: item.body,
        due: isoOrNull(item.due),
        reason: item.reason,
        status: item.status,
        snoozedUntil: isoOrNull(item.snoozedUntil),
        goalId: item.goalId,
        person: item.personId === null ? null : (names.get(item.personId) ?? null),
        dedupeKey: item.dedupeKey,
        notifiedAt: isoOrNull(item.notifiedAt),
        completedAt: isoOrNull(item.completedAt),
        sources: item.sources,
        createdAt: toIso(item.createdAt),
        updatedAt: toIso(item.updatedAt),
      };
      return JSON.stringify(line);
    });
    const chosen = await settings.get(user.id);
    writeFileSync(join(out, 'goals.jsonl'), goalLines.map((line) => `${line}\n`).join(''));
    writeFileSync(join(out, 'inbox.jsonl'), itemLines.map((line) => `${line}\n`).join(''));
    writeFileSync(join(out, 'settings.json'), `${JSON.stringify(chosen, null, 2)}\n`);
    return {
      goals: goalLines.length,
      progress: progressCount,
      inbox: itemLines.length,
      settings: Object.keys(chosen).length > 0 ? 1 : 0,
    };
  }

  /**
   * Restores the assistant's data after the observations: sources link by observation id to the restored
   * observations' write positions. Re-importing is a no-op (goals, entries and items already there are kept).
   */
  async function importAssistant(
    user: User,
    data: {
      goalLines: Array<z.infer<typeof GoalLineSchema>>;
      itemLines: Array<z.infer<typeof InboxLineSchema>>;
      chosen: z.infer<typeof PartialAssistantSettingsSchema> | null;
      present: boolean;
    },
  ): Promise<{ goals: number; progress: number; inbox: number; settings: number }> {
    const restored = { goals: 0, progress: 0, inbox: 0, settings: 0 };
    if (!assistant || !data.present) return restored;
    const { goals, inbox, settings, store, cursors } = assistant;
    const seqById = new Map<string, number>();
    for (let after = 0; ; ) {
      const batch = await store.readSince(user.id, after, 5_000);
      if (batch.length === 0) break;
      for (const { seq, observation } of batch) seqById.set(observation.id, seq);
      after = batch.at(-1)!.seq;
    }
    const seqsOf = (ids: readonly string[]) => ids.flatMap((id) => seqById.get(id) ?? []);
    for (const line of data.goalLines) {
      if (!(await goals.get(user.id, line.id))) {
        await goals.add(user.id, {
          id: line.id,
          title: line.title,
          text: line.text,
          activity: line.activity,
          about: line.about,
          target: line.target,
          deadline: msOrNull(line.deadline),
          plan: line.plan,
          status: line.status,
          startedAt: fromIso(line.startedAt),
          createdAt: fromIso(line.createdAt),
          updatedAt: fromIso(line.updatedAt),
        });
        restored.goals += 1;
      }
      for (const entry of line.progress) {
        if (await goals.getProgress(user.id, entry.id)) continue;
        const recorded = await goals.recordProgress(
          user.id,
          {
            id: entry.id,
            goalId: line.id,
            amount: entry.amount,
            unit: entry.unit,
            at: fromIso(entry.at),
            confidence: entry.confidence,
            status: entry.status,
            origin: entry.origin,
            evidence: entry.evidence,
            createdAt: fromIso(entry.createdAt),
          },
          seqsOf(entry.sources),
        );
        if (recorded.id === entry.id) restored.progress += 1;
      }
    }
    for (const line of data.itemLines) {
      if (await inbox.get(user.id, line.id)) continue;
      const person = line.person === null ? null : await people.find(user.id, line.person);
      const goalId = line.goalId !== null && (await goals.get(user.id, line.goalId)) ? line.goalId : null;
      const { created } = await inbox.add(
        user.id,
        {
          id: line.id,
          kind: line.kind,
          title: line.title,
          body: line.body,
          due: msOrNull(line.due),
          reason: line.reason,
          status: line.status,
          snoozedUntil: msOrNull(line.snoozedUntil),
          factId: null,
          goalId,
          personId: person?.id ?? null,
          dedupeKey: line.dedupeKey,
          notifiedAt: msOrNull(line.notifiedAt),
          completedAt: msOrNull(line.completedAt),
          createdAt: fromIso(line.createdAt),
        },
        seqsOf(line.sources),
      );
      if (created) restored.inbox += 1;
    }
    if (data.chosen && Object.keys(data.chosen).length > 0) {
      // What this home already holds wins over the archive (a re-import changes nothing).
      const current = await settings.get(user.id);
      await settings.set(user.id, { ...data.chosen, ...current }, clock.now());
      restored.settings = 1;
    }
    // The restored items and entries already say what the assistant made of these observations: its pass starts
    // after them, so it does not make them again (a commitment's key names a fact id, new on every import).
    const understood = await cursors.get(user.id, FACTS_STAGE);
    if ((await cursors.get(user.id, ASSISTANT_STAGE)) < understood)
      await cursors.set(user.id, ASSISTANT_STAGE, understood, clock.now());
    return restored;
  }

  return {
    /** Writes observations as JSONL lines through `write` (for `familiar export` to stdout). */
    async exportJsonl(user: User, write: (line: string) => void): Promise<number> {
      let count = 0;
      for await (const observation of allObservations(user)) {
        write(`${JSON.stringify(presentObservation(observation))}\n`);
        count += 1;
      }
      await record(user, 'data.export', { format: 'jsonl', observations: count, to: 'stdout' });
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
      const assisted = assistant ? await exportAssistant(user, out, persons) : {};
      const counts = {
        observations: observationLines.length,
        captures: captures.length,
        blobs: hashes.size,
        people: persons.length,
        facts: corrections.length,
        episodes: titled.length,
        ...assisted,
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
      await record(user, 'data.export', { format: 'directory', ...counts, to: out });
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
      const goalLines = await readLines('goals.jsonl', GoalLineSchema);
      const itemLines = await readLines('inbox.jsonl', InboxLineSchema);
      const settingsPath = join(dir, 'settings.json');
      let chosen: z.infer<typeof PartialAssistantSettingsSchema> | null = null;
      if (existsSync(settingsPath)) {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(settingsPath, 'utf8'));
        } catch {
          throw new ValidationError(`${settingsPath} is not valid JSON; nothing was imported`);
        }
        const parsed = PartialAssistantSettingsSchema.safeParse(json);
        if (!parsed.success)
          throw new ValidationError(
            'settings.json has invalid settings; nothing was imported',
            describeIssues(parsed.error.issues),
          );
        chosen = parsed.data;
      }
      // An export made before the assistant existed has none of these files: the assistant then starts afresh.
      const assistantPresent =
        existsSync(join(dir, 'goals.jsonl')) || existsSync(join(dir, 'inbox.jsonl')) || chosen !== null;
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
      const assisted = await importAssistant(user, {
        goalLines,
        itemLines,
        chosen,
        present: assistantPresent,
      });
      const result = {
        user: user.name,
        observations: observations.length,
        inserted,
        captures: captures.length,
        people: peopleAdded,
        facts: factsRestored,
        episodes: episodesTitled,
        ...(assistant ? assisted : {}),
      };
      // The user's name stays out of the log: ids and counts only.
      const { user: _name, ...counts } = result;
      await record(user, 'data.import', { format: 'directory', ...counts, from: dir });
      return result;
    },
  };
}

/** The archive service's type. */
export type Archive = ReturnType<typeof createArchive>;
