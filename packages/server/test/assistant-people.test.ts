import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSilentLogger, createUlidGenerator } from '../src/kernel/index.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { clientObservation } from './support/observations.ts';
import { runCli, runCliJson, tempHome } from './support/processes.ts';

// biome-ignore lint/suspicious/noExplicitAny: bodies are asserted field by field, like a client would read them
type JsonBody = any;

/** Monday 2 March 2026, 10:00 in London (UTC+0 in winter). */
const MONDAY = Date.parse('2026-03-02T10:00:00Z');
/** The follow-up of an interview on Friday 6 March is due on Saturday 7 March at 18:00 local. */
const DUE = Date.parse('2026-03-07T18:00:00Z');
const MINUTE = 60_000;
const newId = createUlidGenerator();

/** Be a better friend: a follow-up heard in passing, pushed the day after, and one place that shows a person. */
describe('people and follow-ups through the real server', () => {
  let server: RunningServer;
  let now = MONDAY;
  let ada: string;
  let bo: string;
  let samId: string;

  async function call(method: string, path: string, token: string | null, body?: unknown) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: JsonBody = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed as JsonBody, text };
  }
  const get = (path: string, token: string | null = ada) => call('GET', path, token);
  const post = (path: string, body: unknown, token: string | null = ada) => call('POST', path, token, body);

  beforeAll(async () => {
    server = await startServer(
      loadConfig({ FAMILIAR_HOME: tempHome(), FAMILIAR_PORT: '0' }),
      createSilentLogger(),
      { hub: { pollMs: 60_000 }, clock: { now: () => now } },
    );
    const user = await server.familiar.accounts.addUser({ name: 'ada', timezone: 'Europe/London' });
    await server.familiar.accounts.addUser({ name: 'bo', timezone: 'UTC' });
    ada = (await server.familiar.accounts.addDevice({ userName: 'ada', name: 'glasses' })).token;
    bo = (await server.familiar.accounts.addDevice({ userName: 'bo', name: 'phone' })).token;
    samId = newId();
    await server.familiar.people.add({
      id: samId,
      userId: user.id,
      name: 'Sam Lee',
      aliases: ['Sammy'],
      optedOut: false,
      importantDates: [
        { label: 'birthday', date: '--03-20' },
        { label: 'wedding anniversary', date: '2019-08-30' },
      ],
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const followUps = async () =>
    ((await get('/v1/inbox?kind=nudge&status=all')).body.items as JsonBody[]).filter((item) =>
      item.title.startsWith('Ask '),
    );
  const pushedTitles = async () => {
    const user = await server.familiar.accounts.resolveUser('ada');
    return (await server.familiar.notifier.list(user.id, 100)).map((notification) => notification.title);
  };

  it('hears "Sam has a job interview on Friday", holds the follow-up until the day after, then pushes it', async () => {
    const said = clientObservation('Sam has a job interview on Friday', {
      modality: 'utterance',
      capturedAt: new Date(MONDAY).toISOString(),
    });
    const ingested = await post('/v1/observations', { observations: [said] });
    expect(ingested.status, ingested.text).toBe(200);
    now = MONDAY + 5 * MINUTE;
    await server.catchUp();

    const [followUp, ...others] = await followUps();
    expect(others).toEqual([]);
    expect(followUp).toMatchObject({
      kind: 'nudge',
      title: 'Ask Sam Lee how the job interview went',
      due: new Date(DUE).toISOString(),
      status: 'pending',
      personId: samId,
      sources: [said.id],
      notifiedAt: null,
    });
    expect(followUp.reason).toContain('"Sam has a job interview on Friday"');
    expect(followUp.reason).toContain('Mon 2 Mar');
    expect(await pushedTitles()).not.toContain(followUp.title);

    // Friday, and the day after just before 18:00: not yet.
    for (const at of [Date.parse('2026-03-06T12:00:00Z'), DUE - MINUTE]) {
      now = at;
      await server.catchUp();
      expect((await followUps())[0].notifiedAt, new Date(at).toISOString()).toBeNull();
    }
    expect(await pushedTitles()).not.toContain(followUp.title);

    // Saying it again in other words adds nothing.
    const again = clientObservation("Sam's interview is on Friday", {
      modality: 'utterance',
      capturedAt: new Date(DUE - 30 * 60 * 60 * 1000).toISOString(),
    });
    expect((await post('/v1/observations', { observations: [again] })).status).toBe(200);

    now = DUE + 5 * MINUTE;
    await server.catchUp();
    const [pushed, ...none] = await followUps();
    expect(none).toEqual([]);
    expect(pushed.notifiedAt).toBe(new Date(DUE + 5 * MINUTE).toISOString());
    expect(await pushedTitles()).toContain('Ask Sam Lee how the job interview went');
  });

  it('shows a person in one place: open promises, follow-ups, coming dates and the last interaction', async () => {
    const reminder = await post('/v1/inbox', { title: 'call Sammy about the flat' });
    expect(reminder.status, reminder.text).toBe(201);
    const unrelated = await post('/v1/inbox', { title: 'buy milk' });
    expect(unrelated.status).toBe(201);

    const view = await get(`/v1/people/${samId}/assistant`);
    expect(view.status, view.text).toBe(200);
    expect(view.body.person).toMatchObject({ id: samId, name: 'Sam Lee' });
    expect(view.body.openPromises.map((item: JsonBody) => item.id)).toEqual([reminder.body.id]);
    expect(view.body.followUps).toMatchObject([
      { title: 'Ask Sam Lee how the job interview went', personId: samId },
    ]);
    // Saturday 7 March: the birthday on the 20th is 13 days ahead; the anniversary in August is past the 60 days.
    expect(view.body.nextDates).toEqual([{ label: 'birthday', date: '2026-03-20', daysAhead: 13 }]);
    expect(view.body.lastInteraction).toBeNull();

    // Named in a note: the last interaction is that mention.
    const lunch = new Date(now - 60 * MINUTE).toISOString();
    const noted = clientObservation('Lovely lunch with Sam Lee', { capturedAt: lunch });
    expect((await post('/v1/observations', { observations: [noted] })).status).toBe(200);
    await server.catchUp();
    expect((await get(`/v1/people/${samId}/assistant`)).body.lastInteraction).toEqual({
      at: lunch,
      how: 'mentioned',
    });

    // By name or alias too; nobody else's.
    expect((await get('/v1/people/Sam%20Lee/assistant')).body.person.id).toBe(samId);
    expect((await get('/v1/people/sammy/assistant')).body.person.id).toBe(samId);
    expect((await get('/v1/people/Nobody/assistant')).status).toBe(404);
    expect((await get(`/v1/people/${samId}/assistant`, bo)).status).toBe(404);
    expect((await get(`/v1/people/${samId}/assistant`, null)).status).toBe(401);

    // A follow-up done leaves the view.
    expect((await post(`/v1/inbox/${view.body.followUps[0].id}/complete`, {})).status).toBe(200);
    expect((await get(`/v1/people/${samId}/assistant`)).body.followUps).toEqual([]);
  });
});

describe('familiar people show', () => {
  it('adds open promises, follow-ups, coming dates and the last interaction, in text and under "assistant" in --json', async () => {
    const home = tempHome();
    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    const inFive = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(5, 10);
    try {
      const user = await familiar.accounts.addUser({ name: 'ada', timezone: 'UTC' });
      const now = Date.now();
      await familiar.people.add({
        id: newId(),
        userId: user.id,
        name: 'Sam Lee',
        aliases: [],
        optedOut: false,
        importantDates: [{ label: 'birthday', date: `--${inFive}` }],
        createdAt: now,
        updatedAt: now,
      });
      const actor = { userId: user.id, deviceId: null, label: 'test', timezone: user.timezone };
      await familiar.timeline.ingest(actor, [
        {
          id: newId(),
          modality: 'utterance',
          capturedAt: new Date(now - MINUTE).toISOString(),
          text: 'Sam Lee has a job interview tomorrow',
        },
      ]);
      await familiar.assistant.addReminder(actor, { title: 'return the drill to Sam', due: null });
    } finally {
      await familiar.close();
    }

    const shown = await runCli(home, ['people', 'show', 'Sam Lee']);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    const after = (heading: string) => lines[lines.indexOf(heading) + 1]?.trim();
    expect(after('Open promises:')).toMatch(/^Return the drill to Sam\s+\[[0-9A-Z]{26}\]$/);
    expect(after('To follow up:')).toMatch(/^Ask Sam Lee how the job interview went \(due .+ 18:00\)/);
    expect(after('Coming dates:')).toMatch(/^birthday: \d{4}-\d{2}-\d{2} \(in 5 days\)$/);
    expect(lines.find((line) => line.startsWith('Last interaction:'))).toMatch(
      /^Last interaction: mentioned /,
    );

    const json = await runCliJson<{ id: string; assistant: JsonBody }>(home, ['people', 'show', 'Sam Lee']);
    expect(json.assistant).toMatchObject({
      person: { id: json.id },
      openPromises: [{ title: 'Return the drill to Sam' }],
      followUps: [{ title: 'Ask Sam Lee how the job interview went', personId: json.id }],
      nextDates: [{ label: 'birthday', daysAhead: 5 }],
      lastInteraction: { how: 'mentioned' },
    });
  }, 60_000);
});
