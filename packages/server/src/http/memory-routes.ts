import {
  ImportantDateSchema,
  PatchEpisodeRequestSchema,
  PatchFactRequestSchema,
  PatchPersonRequestSchema,
  TimestampSchema,
} from '@familiar/protocol';
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  type AssistantService,
  assistantForgetPreview,
  presentInboxItem,
  presentProgress,
} from '../assistant/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { type Clock, describeIssues, fromIso, toIso, ValidationError } from '../kernel/index.ts';
import {
  FactKindSchema,
  type MemoryService,
  presentEpisode,
  presentFact,
  presentObservation,
  presentPerson,
  type Retriever,
} from '../memory/index.ts';
import type { MediaLinks } from '../safety/index.ts';
import { actorOf, type Env, parseId, readJson } from './request-helpers.ts';

const FACT_KINDS = FactKindSchema.options;

const ListFactsQuerySchema = z.strictObject({
  kind: z.enum(FACT_KINDS).optional(),
  about: z.string().trim().min(1).max(200).optional(),
  status: z.enum(['active', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const ListEpisodesQuerySchema = z.strictObject({
  from: TimestampSchema.optional(),
  to: TimestampSchema.optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

const SearchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'q must not be empty').max(500, 'q is at most 500 characters'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** What the memory routes need from the composition root. */
export interface MemoryRouteDependencies {
  memory: MemoryService;
  /** Goals and inbox, for what a forget would take with it there. */
  assistant: Pick<AssistantService, 'listGoals' | 'listInbox'>;
  retriever: Pick<Retriever, 'retrieve'>;
  mediaLinks: Pick<MediaLinks, 'urlFor'>;
  audit: AuditLog;
  clock: Clock;
}

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw new ValidationError('the query does not match the schema', describeIssues(parsed.error.issues));
  return parsed.data;
}

const optionalTime = (value: string | null | undefined): number | null | undefined =>
  value === undefined ? undefined : value === null ? null : fromIso(value);

/**
 * `/v1/facts`, `/v1/episodes` and `/v1/people`: what memory holds, and the person's corrections and deletions
 * (GET, PATCH, DELETE). A correction keeps the old fact, superseded; deleting an episode forgets its observations.
 */
export function registerMemoryRoutes(app: Hono<Env>, deps: MemoryRouteDependencies): void {
  const { memory, assistant, retriever, mediaLinks, audit, clock } = deps;

  // Search: the retriever of `/v1/ask` without the answer, for the Memory view (no model is called).
  app.get('/v1/search', async (c) => {
    const query = parseQuery(SearchQuerySchema, c.req.query());
    const principal = c.get('principal');
    const found = await retriever.retrieve(
      { id: principal.user.id, timezone: principal.user.timezone },
      query.q,
      { limit: query.limit },
    );
    await audit.record({
      userId: principal.user.id,
      at: clock.now(),
      actor: actorOf(principal).label,
      action: 'memory.search',
      target: null,
      details: { count: found.hits.length, paths: found.paths },
    });
    return c.json({
      moments: found.hits.map(({ observation, episodeId }) => ({
        observation: presentObservation(observation),
        episodeId,
        mediaUrl:
          observation.captureId === null
            ? null
            : mediaLinks.urlFor(principal.user.id, observation.captureId).url,
      })),
      episodes: found.episodes.slice(0, 5).map(presentEpisode),
      time: found.time && {
        from: found.time.fromMs === null ? null : toIso(found.time.fromMs),
        to: found.time.toMs === null ? null : toIso(found.time.toMs),
        phrase: found.time.phrase,
      },
    });
  });

  // What forgetting an observation would take with it, changing nothing (the Memory view asks before deleting).
  app.get('/v1/observations/:id/dependents', async (c) => {
    const principal = c.get('principal');
    const actor = { ...actorOf(principal), timezone: principal.user.timezone };
    const preview = await memory.forgetPreview(actor, parseId(c.req.param('id'), 'observation'));
    const forgotten = new Set([preview.observation.id]);
    const following = assistantForgetPreview(
      await assistant.listInbox(actor, { statuses: 'all' }),
      await assistant.listGoals(actor, 'all'),
      forgotten,
    );
    return c.json({
      observation: presentObservation(preview.observation),
      facts: {
        removed: preview.facts.removed.map(presentFact),
        keptWithOtherSources: preview.facts.keptWithOtherSources.map(presentFact),
        restored: preview.facts.restored.map(presentFact),
      },
      episodes: {
        removed: preview.episodes.removed.map(presentEpisode),
        shrunk: preview.episodes.shrunk.map(presentEpisode),
      },
      inbox: { removed: following.inbox.map(presentInboxItem) },
      progress: {
        removed: following.progress.map(({ entry, goal }) => ({ entry: presentProgress(entry), goal })),
      },
    });
  });

  app.get('/v1/facts', async (c) => {
    const query = parseQuery(ListFactsQuerySchema, c.req.query());
    const facts = await memory.listFacts(actorOf(c.get('principal')), {
      status: query.status,
      limit: query.limit,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.about ? { about: query.about } : {}),
    });
    return c.json({ facts: facts.map(presentFact) });
  });
  app.get('/v1/facts/:id', async (c) => {
    const fact = await memory.getFact(actorOf(c.get('principal')), parseId(c.req.param('id'), 'fact'));
    return c.json(presentFact(fact));
  });
  app.patch('/v1/facts/:id', async (c) => {
    const body = await readJson(c, PatchFactRequestSchema);
    const validFrom = optionalTime(body.validFrom);
    const validTo = optionalTime(body.validTo);
    const { fact, previous } = await memory.correctFact(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'fact'),
      {
        ...(body.object === undefined ? {} : { object: body.object }),
        ...(body.statement === undefined ? {} : { statement: body.statement }),
        ...(validFrom === undefined ? {} : { validFrom }),
        ...(validTo === undefined ? {} : { validTo }),
      },
    );
    return c.json({ fact: presentFact(fact), superseded: presentFact(previous) });
  });
  app.delete('/v1/facts/:id', async (c) => {
    await memory.deleteFact(actorOf(c.get('principal')), parseId(c.req.param('id'), 'fact'));
    return c.json({ deleted: { facts: 1 } });
  });

  app.get('/v1/episodes', async (c) => {
    const query = parseQuery(ListEpisodesQuerySchema, c.req.query());
    const episodes = await memory.listEpisodes(actorOf(c.get('principal')), {
      order: query.order,
      limit: query.limit,
      ...(query.from ? { fromMs: fromIso(query.from) } : {}),
      ...(query.to ? { toMs: fromIso(query.to) } : {}),
    });
    return c.json({ episodes: episodes.map(presentEpisode) });
  });
  app.get('/v1/episodes/:id', async (c) => {
    const { episode, observations } = await memory.getEpisode(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'episode'),
    );
    return c.json({ ...presentEpisode(episode), observations: observations.map(presentObservation) });
  });
  app.patch('/v1/episodes/:id', async (c) => {
    const body = await readJson(c, PatchEpisodeRequestSchema);
    const episode = await memory.editEpisode(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'episode'),
      body,
    );
    return c.json(presentEpisode(episode));
  });
  app.delete('/v1/episodes/:id', async (c) => {
    const result = await memory.deleteEpisode(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'episode'),
    );
    return c.json({
      deleted: {
        episodes: 1,
        observations: result.observations,
        captures: result.captures,
        blobs: result.unreferencedBlobs.length,
      },
    });
  });

  app.get('/v1/people', async (c) => {
    const people = await memory.listPeople(actorOf(c.get('principal')));
    return c.json({ people: people.map(presentPerson) });
  });
  app.get('/v1/people/:id', async (c) => {
    const { person, facts } = await memory.getPerson(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'person'),
    );
    return c.json({ ...presentPerson(person), facts: facts.map(presentFact) });
  });
  app.patch('/v1/people/:id', async (c) => {
    const body = await readJson(c, PatchPersonRequestSchema);
    const person = await memory.editPerson(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'person'),
      {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.aliases === undefined ? {} : { aliases: body.aliases }),
        ...(body.relationship === undefined ? {} : { relationship: body.relationship }),
        ...(body.importantDates === undefined
          ? {}
          : { importantDates: body.importantDates.map((date) => ImportantDateSchema.parse(date)) }),
      },
    );
    return c.json(presentPerson(person));
  });
  app.delete('/v1/people/:id', async (c) => {
    const result = await memory.deletePerson(
      actorOf(c.get('principal')),
      parseId(c.req.param('id'), 'person'),
    );
    return c.json({ deleted: { people: 1, facts: result.facts } });
  });
}
