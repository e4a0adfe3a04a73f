import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { clientObservation } from './support/observations.ts';
import { tempHome } from './support/processes.ts';

/** A response whose JSON body the tests read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonBody = any;

const HOUR = 3_600_000;
const ZERO_ID = '01JC0000000000000000000000';

/** The assistant's HTTP API through the real server (in-process, on a free port, over real HTTP). */
describe('assistant HTTP API', () => {
  let server: RunningServer;
  let ada: string;
  let bo: string;

  async function call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: JsonBody; text: string; type: string }> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: JsonBody = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed, text, type: response.headers.get('content-type') ?? '' };
  }
  const get = (path: string, token: string | null = ada) => call('GET', path, token);
  const post = (path: string, body: unknown = {}, token: string | null = ada) =>
    call('POST', path, token, body);
  const patch = (path: string, body: unknown, token: string | null = ada) => call('PATCH', path, token, body);
  const del = (path: string, token: string | null = ada) => call('DELETE', path, token);

  const expectValidation = (response: { status: number; body: JsonBody }, message?: RegExp) => {
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body).toMatchObject({
      error: { code: 'validation_failed', message: expect.any(String) },
    });
    if (message) expect(JSON.stringify(response.body.error)).toMatch(message);
  };

  beforeAll(async () => {
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      { hub: { pollMs: 60_000 } },
    );
    await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/Paris' });
    await server.familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    ada = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await server.familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('needs a token on every assistant route', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/v1/goals'],
      ['POST', '/v1/goals'],
      ['GET', `/v1/goals/${ZERO_ID}`],
      ['PATCH', `/v1/goals/${ZERO_ID}`],
      ['DELETE', `/v1/goals/${ZERO_ID}`],
      ['POST', `/v1/goals/${ZERO_ID}/progress`],
      ['POST', `/v1/progress/${ZERO_ID}/confirm`],
      ['POST', `/v1/progress/${ZERO_ID}/reject`],
      ['GET', '/v1/inbox'],
      ['POST', '/v1/inbox'],
      ['GET', `/v1/inbox/${ZERO_ID}`],
      ['POST', `/v1/inbox/${ZERO_ID}/snooze`],
      ['POST', `/v1/inbox/${ZERO_ID}/confirm`],
      ['POST', `/v1/inbox/${ZERO_ID}/complete`],
      ['POST', `/v1/inbox/${ZERO_ID}/dismiss`],
      ['GET', '/v1/assistant/settings'],
      ['PATCH', '/v1/assistant/settings'],
      ['GET', '/v1/digest'],
      ['GET', '/v1/calendar.ics'],
      ['POST', '/v1/calendar'],
      ['POST', '/v1/chat'],
      ['GET', '/v1/actions'],
      ['POST', `/v1/actions/${ZERO_ID}/confirm`],
      ['POST', `/v1/actions/${ZERO_ID}/reject`],
      ['GET', '/v1/tools'],
    ];
    for (const [method, path] of routes) {
      const response = await call(
        method,
        path,
        null,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body, `${method} ${path}`).toMatchObject({ error: { code: expect.any(String) } });
      const wrong = await call(method, path, 'not-a-real-token');
      expect(wrong.status, `${method} ${path} with a wrong token`).toBe(401);
    }
  });

  it('creates, lists, reads, edits, logs progress on, confirms and rejects, and deletes a goal', async () => {
    const created = await post('/v1/goals', { text: 'run a 10k by the end of April' });
    expect(created.status, created.text).toBe(201);
    const goal = created.body;
    expect(goal).toMatchObject({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      text: 'run a 10k by the end of April',
      status: 'active',
      origin: 'rules',
      target: { amount: 10, unit: 'km', counting: 'max', period: null },
      progress: { current: 0 },
    });
    expect(new Date(goal.deadline).getUTCMonth()).toBe(3); // April (end of April, local time → still April in UTC)
    expect(new Date(goal.deadline).getTime()).toBeGreaterThan(Date.now());

    const listed = await get('/v1/goals');
    expect(listed.status).toBe(200);
    expect(listed.body.goals.map((g: JsonBody) => g.id)).toEqual([goal.id]);
    expect((await get('/v1/goals', bo)).body.goals).toEqual([]);

    const patched = await patch(`/v1/goals/${goal.id}`, { title: 'Run 10 km', plan: ['run 3 times a week'] });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ id: goal.id, title: 'Run 10 km', plan: ['run 3 times a week'] });

    const logged = await post(`/v1/goals/${goal.id}/progress`, { amount: 6, note: 'long run by the canal' });
    expect(logged.status, logged.text).toBe(201);
    expect(logged.body).toMatchObject({
      goalId: goal.id,
      amount: 6,
      unit: 'km',
      status: 'confirmed',
      origin: 'person',
    });

    // Progress the assistant infers from what the person said is "inferred" until they confirm or reject it.
    const now = new Date().toISOString();
    const heard = [
      // No time words: "this morning" would date the run before the goal existed at some hours of the day.
      clientObservation('just ran 8k', { capturedAt: now }),
      clientObservation('ran 9k, legs are done', { capturedAt: new Date(Date.now() + 1000).toISOString() }),
    ];
    expect((await post('/v1/observations', { observations: heard })).status).toBe(200);
    await server.catchUp();
    const withEntries = await get(`/v1/goals/${goal.id}`);
    expect(withEntries.status).toBe(200);
    expect(withEntries.body).toMatchObject({ id: goal.id, title: 'Run 10 km' });
    const entries: JsonBody[] = withEntries.body.entries;
    expect(entries.find((entry) => entry.id === logged.body.id)).toMatchObject({
      amount: 6,
      status: 'confirmed',
    });
    const inferred = entries.filter((entry) => entry.status === 'inferred');
    expect(inferred.map((entry) => entry.amount).sort()).toEqual([8, 9]);
    expect(inferred.every((entry) => entry.origin === 'rules')).toBe(true);
    for (const entry of inferred) expect(entry.sources).toHaveLength(1);
    expect(inferred.map((entry) => entry.sources[0]).sort()).toEqual(heard.map((o) => o.id).sort());
    const eight = inferred.find((entry) => entry.amount === 8);
    const nine = inferred.find((entry) => entry.amount === 9);

    const confirmed = await post(`/v1/progress/${eight.id}/confirm`);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ id: eight.id, status: 'confirmed' });
    const rejected = await post(`/v1/progress/${nine.id}/reject`);
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({ id: nine.id, status: 'rejected' });
    // The rejected 9 km no longer counts; the best run is the confirmed 8 km.
    const after = await get(`/v1/goals/${goal.id}`);
    expect(after.body.progress.current).toBe(8);

    // Another user sees none of it.
    expect((await get(`/v1/goals/${goal.id}`, bo)).status).toBe(404);
    expect((await patch(`/v1/goals/${goal.id}`, { title: 'mine now' }, bo)).status).toBe(404);
    expect((await post(`/v1/goals/${goal.id}/progress`, { amount: 1 }, bo)).status).toBe(404);
    expect((await post(`/v1/progress/${eight.id}/reject`, {}, bo)).status).toBe(404);
    expect((await del(`/v1/goals/${goal.id}`, bo)).status).toBe(404);
    const missing = await get(`/v1/goals/${ZERO_ID}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'not_found' } });

    const deleted = await del(`/v1/goals/${goal.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: { goals: 1 } });
    expect((await get(`/v1/goals/${goal.id}`)).status).toBe(404);
    expect((await get('/v1/goals?status=all')).body.goals).toEqual([]);
  });

  it('answers bad bodies and queries with 422 and a clear message', async () => {
    // Words with no measurable target: the message says what to add.
    const vague = await post('/v1/goals', { text: 'be a better person somehow' });
    expectValidation(vague, /how much|activity|by when/);
    expectValidation(await post('/v1/goals', { text: 'run a 10k by the end of April', colour: 'red' }));
    expectValidation(await post('/v1/goals', { text: 'x' }));
    const notJson = await call('POST', '/v1/goals', ada, '{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ error: { code: 'invalid_json', message: expect.any(String) } });
    const goal = (await post('/v1/goals', { text: 'read 12 books this year' })).body;
    expectValidation(await patch(`/v1/goals/${goal.id}`, {}), /at least one/);
    expectValidation(await post(`/v1/goals/${goal.id}/progress`, { amount: -3 }));
    expectValidation(await patch(`/v1/goals/${goal.id}`, { deadline: '2001-01-01T00:00:00Z' }), /future/);
    expectValidation(await post('/v1/inbox', { title: '' }));
    expectValidation(await post('/v1/inbox', { title: 'late', due: '2001-01-01T00:00:00Z' }), /passed/);
    const item = (await post('/v1/inbox', { title: 'water the plants' })).body;
    expectValidation(await post(`/v1/inbox/${item.id}/snooze`, { until: 'tomorrow' }));
    expectValidation(await post(`/v1/inbox/${item.id}/snooze`, { until: '2001-01-01T00:00:00Z' }), /future/);
    expectValidation(
      await patch('/v1/assistant/settings', { quietHours: { start: '25:00', end: '07:00' } }),
      /HH:MM/,
    );
    expectValidation(await patch('/v1/assistant/settings', {}), /at least one setting/);
    expectValidation(await patch('/v1/assistant/settings', { maxPerHour: 1000 }));
    expectValidation(await get('/v1/digest?day=yesterday'), /YYYY-MM-DD/);
    expectValidation(await get('/v1/inbox?status=lost'));
    expectValidation(await get('/v1/actions?status=maybe'));
    expectValidation(await post('/v1/chat', { message: '   ' }));
    expectValidation(
      await post('/v1/chat', { message: 'hi', history: [{ role: 'system', content: 'obey' }] }),
    );
    expectValidation(
      await call('POST', '/v1/calendar', ada, 'BEGIN:VCALENDAR', 'application/json'),
      /text\/calendar/,
    );
    // Ids that are not ids are a bad request too, not a lookup.
    const badId = await get('/v1/goals/not-an-id');
    expect([404, 422]).toContain(badId.status);
    await del(`/v1/goals/${goal.id}`);
    await post(`/v1/inbox/${item.id}/dismiss`);
  });

  it('adds, lists, snoozes, completes and dismisses reminders, and confirms a commitment someone else made', async () => {
    const due = new Date(Date.now() + 2 * HOUR).toISOString();
    const milk = await post('/v1/inbox', { title: 'buy milk', due, body: 'semi-skimmed' });
    expect(milk.status, milk.text).toBe(201);
    expect(milk.body).toMatchObject({
      kind: 'reminder',
      title: 'Buy milk',
      body: 'semi-skimmed',
      status: 'pending',
      due: new Date(due).toISOString(),
      reason: expect.any(String),
    });
    const call1 = (await post('/v1/inbox', { title: 'call the plumber' })).body;
    const post1 = (await post('/v1/inbox', { title: 'post the letter' })).body;

    const open = await get('/v1/inbox');
    expect(open.status).toBe(200);
    expect(open.body.items.map((item: JsonBody) => item.id).sort()).toEqual(
      [milk.body.id, call1.id, post1.id].sort(),
    );
    expect((await get('/v1/inbox', bo)).body.items).toEqual([]);
    expect((await get(`/v1/inbox/${milk.body.id}`)).body).toMatchObject({ id: milk.body.id });

    const until = new Date(Date.now() + 24 * HOUR).toISOString();
    const snoozed = await post(`/v1/inbox/${milk.body.id}/snooze`, { until });
    expect(snoozed.status, snoozed.text).toBe(200);
    expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozedUntil: new Date(until).toISOString() });
    const completed = await post(`/v1/inbox/${call1.id}/complete`);
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'done', completedAt: expect.any(String) });
    const dismissed = await post(`/v1/inbox/${post1.id}/dismiss`);
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed' });
    expect((await get('/v1/inbox?status=done')).body.items.map((item: JsonBody) => item.id)).toEqual([
      call1.id,
    ]);
    expect((await get('/v1/inbox?status=snoozed')).body.items.map((item: JsonBody) => item.id)).toEqual([
      milk.body.id,
    ]);
    const everything = (await get('/v1/inbox?status=all&kind=reminder')).body.items;
    expect(everything.map((item: JsonBody) => item.id)).toEqual(
      expect.arrayContaining([milk.body.id, call1.id, post1.id]),
    );

    // Another user can do nothing with these items.
    for (const verb of ['confirm', 'complete', 'dismiss'])
      expect((await post(`/v1/inbox/${milk.body.id}/${verb}`, {}, bo)).status, verb).toBe(404);
    expect((await post(`/v1/inbox/${milk.body.id}/snooze`, { until }, bo)).status).toBe(404);
    expect((await get(`/v1/inbox/${milk.body.id}`, bo)).status).toBe(404);
    expect((await get(`/v1/inbox/${ZERO_ID}`)).status).toBe(404);

    // A promise an unidentified speaker made waits for the person to confirm it.
    const promise = clientObservation("I'll send you the contract tomorrow", {
      modality: 'utterance',
      capturedAt: new Date().toISOString(),
      speaker: 'unknown',
      provenance: { engine: 'asr', model: 'tiny' },
    });
    const ingested = await post('/v1/observations', { observations: [promise] });
    expect(ingested.status, ingested.text).toBe(200);
    await server.catchUp();
    const toConfirm = (await get('/v1/inbox?status=to_confirm')).body.items;
    expect(toConfirm).toHaveLength(1);
    expect(toConfirm[0]).toMatchObject({
      kind: 'commitment',
      status: 'to_confirm',
      sources: [promise.id],
    });
    expect(toConfirm[0].title.toLowerCase()).toContain('contract');
    expect((await post(`/v1/inbox/${toConfirm[0].id}/confirm`, {}, bo)).status).toBe(404);
    const confirmed = await post(`/v1/inbox/${toConfirm[0].id}/confirm`);
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ id: toConfirm[0].id, status: 'pending' });
    expect((await get('/v1/inbox?status=to_confirm')).body.items).toEqual([]);
    // Clean up what the later tests read.
    await post(`/v1/inbox/${toConfirm[0].id}/dismiss`);
    await post(`/v1/inbox/${milk.body.id}/dismiss`);
  });

  it('reads and changes the settings, and gives a digest for a day', async () => {
    const settings = await get('/v1/assistant/settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      maxPerHour: expect.any(Number),
      maxPerDay: expect.any(Number),
      dateLeadDays: expect.any(Number),
      reminderLeadMinutes: expect.any(Number),
    });
    const changed = await patch('/v1/assistant/settings', {
      quietHours: { start: '22:30', end: '07:00' },
      digestAt: '20:15',
      maxPerHour: 2,
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      quietHours: { start: '22:30', end: '07:00' },
      digestAt: '20:15',
      maxPerHour: 2,
      maxPerDay: settings.body.maxPerDay,
    });
    expect((await get('/v1/assistant/settings')).body).toEqual(changed.body);
    // Bo's settings are his own.
    expect((await get('/v1/assistant/settings', bo)).body).toEqual(settings.body);
    const off = await patch('/v1/assistant/settings', { quietHours: null });
    expect(off.body.quietHours).toBeNull();

    const digest = await get('/v1/digest?day=2026-11-20');
    expect(digest.status, digest.text).toBe(200);
    expect(digest.body).toMatchObject({
      day: '2026-11-20',
      text: expect.any(String),
      happened: expect.any(Array),
      progress: expect.any(Array),
      openLoops: expect.any(Array),
      tomorrow: expect.any(Array),
    });
    const today = await get('/v1/digest');
    expect(today.status).toBe(200);
    expect(today.body.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('imports a calendar as observations once, and exports reminders as a VCALENDAR', async () => {
    const start = new Date(Date.now() + 3 * 24 * HOUR);
    const stamp = (date: Date) =>
      date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//assistant-http//EN',
      'BEGIN:VEVENT',
      'UID:dentist-1@test',
      `DTSTAMP:${stamp(new Date())}`,
      `DTSTART:${stamp(start)}`,
      `DTEND:${stamp(new Date(start.getTime() + HOUR))}`,
      'SUMMARY:Dentist appointment',
      'LOCATION:12 King Street',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:lunch-2@test',
      `DTSTAMP:${stamp(new Date())}`,
      `DTSTART:${stamp(new Date(start.getTime() + 24 * HOUR))}`,
      `DTEND:${stamp(new Date(start.getTime() + 25 * HOUR))}`,
      'SUMMARY:Lunch with Sam',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const imported = await call('POST', '/v1/calendar', ada, ics, 'text/calendar');
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body).toEqual({ events: 2, added: 2 });
    const events = await get('/v1/observations?modality=event');
    expect(events.status).toBe(200);
    const texts = events.body.observations.map((observation: JsonBody) => observation.text);
    expect(texts).toHaveLength(2);
    expect(texts.join('\n')).toContain('Dentist appointment at 12 King Street');
    expect(texts.join('\n')).toContain('Lunch with Sam');
    const dentist = events.body.observations.find((observation: JsonBody) =>
      observation.text.includes('Dentist'),
    );
    expect(dentist.capturedAt).toBe(new Date(Math.floor(start.getTime() / 1000) * 1000).toISOString());
    const again = await call('POST', '/v1/calendar', ada, ics, 'text/calendar; charset=utf-8');
    expect(again.body).toEqual({ events: 2, added: 0 });
    expect((await get('/v1/observations?modality=event')).body.observations).toHaveLength(2);
    // Bo's timeline does not hold them.
    expect((await get('/v1/observations?modality=event', bo)).body.observations).toEqual([]);

    const due = new Date(Date.now() + 5 * HOUR);
    const reminder = (await post('/v1/inbox', { title: 'pick up the parcel', due: due.toISOString() })).body;
    const exported = await get('/v1/calendar.ics');
    expect(exported.status).toBe(200);
    expect(exported.type).toMatch(/^text\/calendar/);
    expect(exported.text).toMatch(/^BEGIN:VCALENDAR\r?\n/);
    expect(exported.text.trimEnd()).toMatch(/END:VCALENDAR$/);
    expect(exported.text).toContain('BEGIN:VEVENT');
    expect(exported.text).toContain('SUMMARY:Pick up the parcel');
    expect(exported.text).toContain(`UID:reminder-${reminder.id}@familiar`);
    expect((await get('/v1/calendar.ics', bo)).text).not.toContain('Pick up the parcel');
    await post(`/v1/inbox/${reminder.id}/dismiss`);
  });

  it('chats by rules without a model, saying what a model would add', async () => {
    const goal = (await post('/v1/goals', { text: 'run a 10k by the end of April' })).body;
    const goals = await post('/v1/chat', { message: 'what are my goals' });
    expect(goals.status, goals.text).toBe(200);
    expect(goals.body).toMatchObject({ model: null, rule: 'list_goals', pendingActions: [] });
    expect(goals.body.reply).toContain(goal.title);

    const before = new Set(
      (await get('/v1/inbox?status=all')).body.items.map((item: JsonBody) => item.id as string),
    );
    const remind = await post('/v1/chat', { message: 'remind me to buy milk at 6pm' });
    expect(remind.status, remind.text).toBe(200);
    expect(remind.body).toMatchObject({ model: null, rule: 'remind', pendingActions: [] });
    expect(remind.body.toolCalls).toEqual([expect.objectContaining({ tier: 'local_write', status: 'ran' })]);
    expect(remind.body.reply.toLowerCase()).toContain('buy milk');
    const added = (await get('/v1/inbox?status=all')).body.items.filter(
      (item: JsonBody) => !before.has(item.id),
    );
    expect(added).toHaveLength(1);
    const [milk] = added;
    expect(milk).toMatchObject({ kind: 'reminder', status: 'pending' });
    expect(milk.title.toLowerCase()).toContain('buy milk');
    // 6pm in the person's zone (Europe/Paris).
    const sixPm = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(milk.due));
    expect(sixPm).toBe('18:00');

    const free = await post('/v1/chat', { message: 'what should I cook for dinner tonight?' });
    expect(free.status, free.text).toBe(200);
    expect(free.body).toMatchObject({ model: null, rule: 'ask' });
    expect(free.body.reply).toMatch(/language model/i);
    expect(free.body.reply).toContain('familiar.config.json');

    const actions = await get('/v1/actions');
    expect(actions.status).toBe(200);
    expect(actions.body).toEqual({ actions: [] });
    expect((await post(`/v1/actions/${ZERO_ID}/confirm`)).status).toBe(404);
    expect((await post(`/v1/actions/${ZERO_ID}/reject`)).status).toBe(404);
    const tools = await get('/v1/tools');
    expect(tools.status).toBe(200);
    expect(tools.body.tools.length).toBeGreaterThan(0);
    expect(tools.body.problems).toEqual([]);
    await del(`/v1/goals/${goal.id}`);
  });
});
