import { afterEach, describe, expect, it } from 'vitest';
import { clientObservation, jsonRequest } from './support/observations.ts';
import { runCli, runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';

/** End-to-end tests through the real `familiar start` process over loopback HTTP. */
describe('familiar start (real server process)', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  async function start(home: string) {
    const server = await startServerProcess(home);
    running.push(server);
    return server;
  }

  it('serves /healthz within 10 s, accepts a device added while it runs, and stops cleanly on Ctrl-C', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const began = Date.now();
    const server = await start(home);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(Date.now() - began).toBeLessThan(10_000);

    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
    const note = clientObservation('Sam said the deadline moved to Friday', {
      capturedAt: '2026-11-02T09:00:00Z',
    });
    const utterance = clientObservation('the deadline for the garden party is Sunday', {
      modality: 'utterance',
      capturedAt: '2026-11-25T09:00:00Z',
    });
    const posted = await fetch(
      `${server.url}/v1/observations`,
      jsonRequest(token, { observations: [note, utterance] }),
    );
    expect(posted.status).toBe(200);
    const answer = (await (
      await fetch(
        `${server.url}/v1/ask`,
        jsonRequest(token, { question: 'What did Sam say about the deadline?' }),
      )
    ).json()) as { citations: Array<{ id: string }> };
    expect(answer.citations[0]?.id).toBe(note.id);

    // The server's memory follows the timeline on its own: episodes and facts appear within seconds.
    const asAda = { headers: { authorization: `Bearer ${token}` } };
    let episodes: unknown[] = [];
    for (let tries = 0; tries < 50 && episodes.length < 2; tries += 1) {
      episodes = ((await (await fetch(`${server.url}/v1/episodes`, asAda)).json()) as { episodes: unknown[] })
        .episodes;
      if (episodes.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(episodes).toHaveLength(2);
    const facts = (await (await fetch(`${server.url}/v1/facts`, asAda)).json()) as {
      facts: Array<{ kind: string; object: string; sources: string[] }>;
    };
    expect(facts.facts).toContainEqual(
      expect.objectContaining({ kind: 'person', object: 'Sam', sources: [note.id] }),
    );

    await runCliJson(home, ['user', 'add', 'bo', '--timezone', 'UTC']);
    const other = (
      await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'phone', '--user', 'bo'])
    ).token;
    const asOther = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${other}`, ...init.headers },
      });
    expect((await asOther(`/v1/observations/${note.id}`)).status).toBe(404);
    expect((await asOther(`/v1/observations/${note.id}`, { method: 'DELETE' })).status).toBe(404);
    const othersList = (await (await asOther('/v1/observations')).json()) as { observations: unknown[] };
    expect(othersList.observations).toEqual([]);
    const othersAnswer = (await (
      await fetch(
        `${server.url}/v1/ask`,
        jsonRequest(other, { question: 'What did Sam say about the deadline?' }),
      )
    ).json()) as { citations: unknown[]; answer: string };
    expect(othersAnswer.citations).toEqual([]);
    expect(othersAnswer.answer).not.toContain('Friday');
    expect(
      (
        await fetch(`${server.url}/v1/observations/${note.id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(200);

    const port = new URL(server.url).port;
    const second = await runCli(home, ['start'], { env: { FAMILIAR_PORT: port } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);

    server.child.kill('SIGINT');
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(server.stderr()).toContain('stopped cleanly');
  });

  it('loses no acknowledged observation when killed with SIGKILL mid-stream, and retries succeed after restart', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
    let server = await start(home);

    const acknowledged = new Set<string>();
    const unacknowledged: Array<ReturnType<typeof clientObservation>[]> = [];
    let killed = false;
    const sender = async () => {
      for (let round = 0; round < 400 && !killed; round += 1) {
        const batch = Array.from({ length: 50 }, (_, i) =>
          clientObservation(`stream round ${round} item ${i}`),
        );
        try {
          const response = await fetch(
            `${server.url}/v1/observations`,
            jsonRequest(token, { observations: batch }),
          );
          if (response.status !== 200) throw new Error(`status ${response.status}`);
          const { ids } = (await response.json()) as { ids: string[] };
          for (const id of ids) acknowledged.add(id);
        } catch {
          unacknowledged.push(batch);
          return;
        }
      }
    };
    const senders = [sender(), sender(), sender()];
    while (acknowledged.size < 1500) await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    await server.exited;
    expect(acknowledged.size).toBeGreaterThanOrEqual(1500);

    server = await start(home);
    for (const batch of unacknowledged) {
      const retry = await fetch(`${server.url}/v1/observations`, jsonRequest(token, { observations: batch }));
      expect(retry.status).toBe(200);
      for (const observation of batch) acknowledged.add(observation.id);
    }
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page = (await (
        await fetch(`${server.url}/v1/observations?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { observations: Array<{ id: string }>; nextCursor: string | null };
      for (const observation of page.observations)
        seen.set(observation.id, (seen.get(observation.id) ?? 0) + 1);
      cursor = page.nextCursor;
    } while (cursor);
    for (const id of acknowledged) expect(seen.get(id), `acknowledged ${id} is missing`).toBe(1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
});
