import {
  ChatRequestSchema,
  CreateGoalRequestSchema,
  CreateReminderRequestSchema,
  LogProgressRequestSchema,
  PatchAssistantSettingsRequestSchema,
  PatchGoalRequestSchema,
  SnoozeRequestSchema,
} from '@familiar/protocol';
import type { ModelMessage } from 'ai';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Principal } from '../accounts/index.ts';
import {
  type AssistantActor,
  type AssistantService,
  type Chat,
  presentAction,
  presentDigest,
  presentGoal,
  presentInboxItem,
  presentPersonAssistantView,
  presentProgress,
  presentSettings,
} from '../assistant/index.ts';
import { describeIssues, fromIso, ValidationError } from '../kernel/index.ts';
import { actorOf, type Env, parseId, readJson } from './request-helpers.ts';

const KINDS = ['commitment', 'reminder', 'nudge', 'digest'] as const;
const STATUSES = ['pending', 'to_confirm', 'snoozed', 'done', 'dismissed'] as const;

const ListInboxQuerySchema = z.strictObject({
  kind: z.enum(KINDS).optional(),
  status: z.union([z.enum(STATUSES), z.literal('all'), z.literal('open')]).default('open'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const ListGoalsQuerySchema = z.strictObject({
  status: z.enum(['active', 'achieved', 'abandoned', 'all']).default('active'),
});

const DigestQuerySchema = z.strictObject({
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'day is YYYY-MM-DD')
    .optional(),
});

const ActionsQuerySchema = z.strictObject({
  status: z.enum(['pending', 'confirmed', 'rejected', 'expired', 'done', 'failed', 'all']).default('pending'),
});

/** Largest calendar file accepted by `POST /v1/calendar` (also bounded by the server's body limit). */
const MAX_ICS_BYTES = 5 * 1024 * 1024;

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw new ValidationError('the query does not match the schema', describeIssues(parsed.error.issues));
  return parsed.data;
}

function assistantActor(principal: Principal): AssistantActor {
  return { ...actorOf(principal), timezone: principal.user.timezone };
}

/**
 * The assistant over HTTP: `/v1/goals`, `/v1/inbox`, `/v1/chat`, `/v1/actions` (external actions waiting for the
 * person's confirmation), `/v1/assistant/settings`, `/v1/digest`, `/v1/calendar` (.ics export and import) and
 * `/v1/people/:id/assistant` (a person's open promises, follow-ups and coming dates).
 */
export function registerAssistantRoutes(app: Hono<Env>, assistant: AssistantService, chat: Chat): void {
  // --- goals ---------------------------------------------------------------------------------------------------
  app.get('/v1/goals', async (c) => {
    const query = parseQuery(ListGoalsQuerySchema, c.req.query());
    const goals = await assistant.listGoals(assistantActor(c.get('principal')), query.status);
    return c.json({ goals: goals.map(presentGoal) });
  });
  app.post('/v1/goals', async (c) => {
    const body = await readJson(c, CreateGoalRequestSchema);
    const goal = await assistant.addGoal(assistantActor(c.get('principal')), {
      text: body.text,
      ...(body.target ? { target: body.target } : {}),
      ...(body.deadline === undefined
        ? {}
        : { deadline: body.deadline === null ? null : fromIso(body.deadline) }),
      ...(body.plan ? { plan: body.plan } : {}),
    });
    return c.json({ ...presentGoal(goal), origin: goal.origin }, 201);
  });
  app.get('/v1/goals/:id', async (c) => {
    const goal = await assistant.getGoal(
      assistantActor(c.get('principal')),
      parseId(c.req.param('id'), 'goal'),
    );
    return c.json({ ...presentGoal(goal), entries: goal.entries.map(presentProgress) });
  });
  app.patch('/v1/goals/:id', async (c) => {
    const body = await readJson(c, PatchGoalRequestSchema);
    const goal = await assistant.updateGoal(
      assistantActor(c.get('principal')),
      parseId(c.req.param('id'), 'goal'),
      {
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.target === undefined ? {} : { target: body.target }),
        ...(body.deadline === undefined
          ? {}
          : { deadline: body.deadline === null ? null : fromIso(body.deadline) }),
        ...(body.plan === undefined ? {} : { plan: body.plan }),
        ...(body.status === undefined ? {} : { status: body.status }),
      },
    );
    return c.json(presentGoal(goal));
  });
  app.delete('/v1/goals/:id', async (c) => {
    await assistant.deleteGoal(assistantActor(c.get('principal')), parseId(c.req.param('id'), 'goal'));
    return c.json({ deleted: { goals: 1 } });
  });
  app.post('/v1/goals/:id/progress', async (c) => {
    const body = await readJson(c, LogProgressRequestSchema);
    const entry = await assistant.logProgress(
      assistantActor(c.get('principal')),
      parseId(c.req.param('id'), 'goal'),
      {
        amount: body.amount,
        ...(body.at ? { at: fromIso(body.at) } : {}),
        ...(body.note ? { note: body.note } : {}),
      },
    );
    return c.json(presentProgress(entry), 201);
  });
  for (const [verb, decision] of [
    ['confirm', 'confirmed'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(`/v1/progress/:id/${verb}`, async (c) => {
      const entry = await assistant.decideProgress(
        assistantActor(c.get('principal')),
        parseId(c.req.param('id'), 'progress'),
        decision,
      );
      return c.json(presentProgress(entry));
    });
  }

  // --- inbox ---------------------------------------------------------------------------------------------------
  app.get('/v1/inbox', async (c) => {
    const query = parseQuery(ListInboxQuerySchema, c.req.query());
    const items = await assistant.listInbox(assistantActor(c.get('principal')), {
      limit: query.limit,
      ...(query.kind ? { kinds: [query.kind] } : {}),
      ...(query.status === 'open' ? {} : { statuses: query.status === 'all' ? 'all' : [query.status] }),
    });
    return c.json({ items: items.map(presentInboxItem) });
  });
  app.post('/v1/inbox', async (c) => {
    const body = await readJson(c, CreateReminderRequestSchema);
    const item = await assistant.addReminder(assistantActor(c.get('principal')), {
      title: body.title,
      ...(body.due === undefined ? {} : { due: body.due === null ? null : fromIso(body.due) }),
      ...(body.body ? { body: body.body } : {}),
    });
    return c.json(presentInboxItem(item), 201);
  });
  app.get('/v1/inbox/:id', async (c) => {
    const item = await assistant.getItem(
      assistantActor(c.get('principal')),
      parseId(c.req.param('id'), 'inbox item'),
    );
    return c.json(presentInboxItem(item));
  });
  app.post('/v1/inbox/:id/snooze', async (c) => {
    const body = await readJson(c, SnoozeRequestSchema);
    const item = await assistant.snoozeItem(
      assistantActor(c.get('principal')),
      parseId(c.req.param('id'), 'inbox item'),
      fromIso(body.until),
    );
    return c.json(presentInboxItem(item));
  });
  for (const verb of ['confirm', 'complete', 'dismiss'] as const) {
    app.post(`/v1/inbox/:id/${verb}`, async (c) => {
      const actor = assistantActor(c.get('principal'));
      const id = parseId(c.req.param('id'), 'inbox item');
      const item =
        verb === 'confirm'
          ? await assistant.confirmItem(actor, id)
          : verb === 'complete'
            ? await assistant.completeItem(actor, id)
            : await assistant.dismissItem(actor, id);
      return c.json(presentInboxItem(item));
    });
  }

  // --- people --------------------------------------------------------------------------------------------------
  // One person as the assistant sees them (by id; a name or alias works too): open promises, follow-ups, dates.
  app.get('/v1/people/:id/assistant', async (c) => {
    const view = await assistant.person(assistantActor(c.get('principal')), c.req.param('id'));
    return c.json(presentPersonAssistantView(view));
  });

  // --- settings and digest -------------------------------------------------------------------------------------
  app.get('/v1/assistant/settings', async (c) => {
    return c.json(presentSettings(await assistant.settingsOf(c.get('principal').user.id)));
  });
  app.patch('/v1/assistant/settings', async (c) => {
    const body = await readJson(c, PatchAssistantSettingsRequestSchema);
    const { notNowUntil, ...rest } = body;
    const settings = await assistant.updateSettings(assistantActor(c.get('principal')), {
      ...rest,
      ...(notNowUntil === undefined
        ? {}
        : { notNowUntil: notNowUntil === null ? null : fromIso(notNowUntil) }),
    });
    return c.json(presentSettings(settings));
  });
  app.get('/v1/digest', async (c) => {
    const query = parseQuery(DigestQuerySchema, c.req.query());
    const digest = await assistant.digest(assistantActor(c.get('principal')), query.day);
    return c.json(presentDigest(digest));
  });

  // --- calendar --------------------------------------------------------------------------------------------------
  app.get('/v1/calendar.ics', async (c) => {
    const ics = await assistant.exportCalendar(assistantActor(c.get('principal')));
    return c.body(ics, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': 'attachment; filename="familiar.ics"',
    });
  });
  app.post('/v1/calendar', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^text\/calendar\b/i.test(type))
      throw new ValidationError('send the calendar as "Content-Type: text/calendar" (an .ics file)');
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_ICS_BYTES)
      throw new ValidationError('the calendar file is larger than 5 MB');
    return c.json(await assistant.importCalendar(assistantActor(c.get('principal')), text));
  });

  // --- chat and confirmations ----------------------------------------------------------------------------------
  app.post('/v1/chat', async (c) => {
    const body = await readJson(c, ChatRequestSchema);
    const principal = c.get('principal');
    const actor = {
      userId: principal.user.id,
      label: actorOf(principal).label,
      timezone: principal.user.timezone,
    };
    const history: ModelMessage[] = (body.history ?? []).map((turn) => ({
      role: turn.role,
      content: turn.content,
    }));
    const reply = await chat.chat(actor, body.message, { history });
    return c.json({ ...reply, pendingActions: reply.pendingActions.map(presentAction) });
  });
  app.get('/v1/actions', async (c) => {
    const query = parseQuery(ActionsQuerySchema, c.req.query());
    const principal = c.get('principal');
    const actor = {
      userId: principal.user.id,
      label: actorOf(principal).label,
      timezone: principal.user.timezone,
    };
    const actions = await chat.list(actor, query.status);
    return c.json({ actions: actions.map(presentAction) });
  });
  for (const verb of ['confirm', 'reject'] as const) {
    app.post(`/v1/actions/:id/${verb}`, async (c) => {
      const principal = c.get('principal');
      const actor = {
        userId: principal.user.id,
        label: actorOf(principal).label,
        timezone: principal.user.timezone,
      };
      const id = parseId(c.req.param('id'), 'action');
      const action = verb === 'confirm' ? await chat.confirm(actor, id) : await chat.reject(actor, id);
      return c.json(presentAction(action));
    });
  }
  app.get('/v1/tools', async (c) => {
    return c.json(await chat.listTools());
  });
}
