import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliJson, type ServerProcess, startServerProcess, tempHome } from './support/processes.ts';
import { RawDevice } from './support/raw-device.ts';

/** Peak resident memory of a process, in MiB (Linux `VmHWM`). */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The bound this test holds the server to while one device floods it. */
const RSS_BOUND_MIB = 300;

describe('device stream backpressure (real server process)', () => {
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) server.child.kill('SIGKILL');
  });

  it('tells a device that floods it to slow down, keeps its memory bounded, and loses nothing it acknowledged', async () => {
    const home = tempHome();
    await runCliJson(home, ['user', 'add', 'ada', '--timezone', 'UTC']);
    const { token } = await runCliJson<{ token: string }>(home, ['device', 'add', '--name', 'glasses']);
    const server = await startServerProcess(home);
    running.push(server);
    const baseline = peakRssMiB(server.child.pid!);

    const { device, welcome } = await RawDevice.connect(server.url, token);
    // 240 frames of 512 KiB (120 MiB) pushed as fast as the socket takes them, ignoring the window: far faster than
    // the store writes and fsyncs them.
    const frame = new Uint8Array(512 * 1024);
    const frames = 240;
    const started = Date.now();
    for (let seq = 1; seq <= frames; seq += 1) {
      frame[0] = seq & 0xff;
      frame[1] = seq >> 8;
      device.media('camera', seq, 'image/jpeg', frame);
    }
    const slowDown = await device.next((m) => m.type === 'slow-down', 30_000);
    expect(slowDown).toMatchObject({ type: 'slow-down' });
    await device.ack('camera', frames);
    const seconds = (Date.now() - started) / 1000;
    const acked = device.received.filter((m) => m.type === 'ack');
    expect(acked).toHaveLength(frames);
    const peak = peakRssMiB(server.child.pid!);
    console.log(
      `backpressure: ${frames} frames of 512 KiB in ${seconds.toFixed(1)} s; window ${welcome.window.maxInFlight} messages / ${welcome.window.maxInFlightBytes / 1048576} MiB; server peak RSS ${peak.toFixed(0)} MiB (baseline ${baseline.toFixed(0)} MiB, bound ${RSS_BOUND_MIB} MiB)`,
    );
    expect(peak).toBeLessThan(RSS_BOUND_MIB);
    device.close();

    server.child.kill('SIGKILL');
    await server.exited;
    const restarted = await startServerProcess(home);
    running.push(restarted);
    const { device: again, welcome: resumed } = await RawDevice.connect(restarted.url, token);
    expect(resumed.streams).toEqual({ camera: frames });
    again.close();
    const status = await runCliJson<{ users: Array<{ captures: number }> }>(home, ['status']);
    expect(status.users[0]?.captures).toBe(frames);
  }, 120_000);
});
