// Device-stream benchmark: simulated glasses (a 100 KB frame a second plus 16 kHz audio in 100 ms chunks) stream
// to a real `familiar start` over loopback through the device SDK; every message counts once durably acknowledged.
// Run: npm run bench:stream [-- --seconds 20 --devices 1,20]
import { parseArgs } from 'node:util';
import { createDeviceClient, type DeviceClient } from '@familiar/device-sdk';
import { WebSocket } from 'ws';
import {
  addUserAndDevice,
  makeTempHome,
  removeTempHome,
  runCli,
  startServerProcess,
} from './familiar-process.ts';
import { formatNumber, markdownTable, summarise } from './stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    devices: { type: 'string', default: '1,20' },
    'frame-kib': { type: 'string', default: '100' },
  },
});
const SECONDS = Number(values.seconds);
const DEVICE_COUNTS = values.devices.split(',').map(Number);
const FRAME_BYTES = Number(values['frame-kib']) * 1024;
const CHUNK_BYTES = 3200; // 100 ms of 16 kHz mono s16le

interface RunResult {
  mode: string;
  devices: number;
  messages: number;
  megabytes: number;
  seconds: number;
  latencies: number[];
  serverCpu: number | null;
}

async function run(mode: 'real time' | 'as fast as acked', devices: number): Promise<RunResult> {
  const home = makeTempHome();
  const firstToken = await addUserAndDevice(home);
  const tokens = [firstToken];
  for (let i = 1; i < devices; i += 1) {
    const output = await runCli(home, ['device', 'add', '--name', `glasses-${i}`, '--json']);
    tokens.push((JSON.parse(output) as { token: string }).token);
  }
  const server = await startServerProcess(home);
  const clients: DeviceClient[] = tokens.map((token) =>
    createDeviceClient({ url: server.url, token, WebSocket }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const frame = new Uint8Array(FRAME_BYTES).map((_, i) => (i * 31) & 0xff);
  const chunk = new Uint8Array(CHUNK_BYTES);
  const latencies: number[] = [];
  let messages = 0;
  let bytes = 0;
  const pending: Array<Promise<unknown>> = [];
  const track = async (send: Promise<{ acked: Promise<unknown> }>, size: number) => {
    const sentAt = performance.now();
    const { acked } = await send;
    pending.push(
      acked.then(() => {
        latencies.push(performance.now() - sentAt);
        messages += 1;
        bytes += size;
      }),
    );
  };
  const cpuBefore = server.cpuSeconds();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let frameNumber = 0;
  const sendFrame = (client: DeviceClient) => {
    frameNumber += 1;
    const copy = new Uint8Array(frame);
    new DataView(copy.buffer).setUint32(0, frameNumber);
    return track(client.sendFrame('camera', copy, 'image/jpeg'), FRAME_BYTES);
  };
  if (mode === 'real time') {
    for (let tick = 0; performance.now() < deadline; tick += 1) {
      const due = started + tick * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (const client of clients) {
        void track(client.sendAudio('mic', chunk), CHUNK_BYTES);
        if (tick % 10 === 0) void sendFrame(client);
      }
    }
  } else {
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; performance.now() < deadline; i += 1) {
          await track(client.sendAudio('mic', chunk), CHUNK_BYTES);
          if (i % 10 === 0) await sendFrame(client);
          // Keep at most two windows queued so latency measures the server, not an unbounded client queue.
          while (client.stats().queued > 128) await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }),
    );
  }
  await Promise.all(clients.map((client) => client.flush(120_000)));
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = server.cpuSeconds();
  await Promise.all(clients.map((client) => client.close()));
  await server.stop();
  removeTempHome(home);
  return {
    mode,
    devices,
    messages,
    megabytes: bytes / 1_048_576,
    seconds,
    latencies,
    serverCpu: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / seconds,
  };
}

const results: RunResult[] = [];
for (const mode of ['real time', 'as fast as acked'] as const) {
  for (const devices of DEVICE_COUNTS) {
    process.stderr.write(`stream bench: ${mode}, ${devices} device(s), ${SECONDS} s…\n`);
    results.push(await run(mode, devices));
  }
}

const rows = results.map((r) => {
  const latency = summarise(r.latencies);
  return [
    r.mode,
    String(r.devices),
    formatNumber(r.messages),
    formatNumber(r.messages / r.seconds, 0),
    formatNumber(r.megabytes / r.seconds, 1),
    formatNumber(latency.p50, 1),
    formatNumber(latency.p95, 1),
    formatNumber(latency.p99, 1),
    r.serverCpu === null ? 'n/a' : `${formatNumber(r.serverCpu * 100)}%`,
  ];
});
console.log(
  markdownTable(
    [
      'mode',
      'devices',
      'messages',
      'messages/s',
      'MB/s',
      'ack p50 ms',
      'ack p95 ms',
      'ack p99 ms',
      'server CPU',
    ],
    rows,
  ),
);
const target = results.find((r) => r.mode === 'real time' && r.devices === 20);
if (target) {
  const p95 = summarise(target.latencies).p95;
  console.log(
    `\nTarget: 20 devices at 1 frame/s (${FRAME_BYTES / 1024} KiB) + 16 kHz audio, ack p95 ≤ 100 ms: measured ${p95.toFixed(1)} ms — ${p95 <= 100 ? 'met' : 'missed'}`,
  );
}
