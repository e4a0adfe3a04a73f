import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureLocalCertificate } from '../src/http/index.ts';
import { FAMILIAR_BIN, tempHome } from './support/processes.ts';

const HAS_OPENSSL = spawnSync('openssl', ['version']).status === 0;

/** GET over HTTPS, trusting only `ca`. */
function getTrusting(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local certificate', () => {
  it('says how to get openssl when it is missing', async () => {
    await expect(
      ensureLocalCertificate({ home: tempHome(), openssl: '/nonexistent/openssl' }),
    ).rejects.toThrow(/needs the `openssl` command/);
  });

  it.skipIf(!HAS_OPENSSL)(
    'is made once with mode 0600, reused, and made again when the network addresses change (skipped without openssl)',
    async () => {
      const home = tempHome();
      const first = await ensureLocalCertificate({ home, addresses: ['192.168.1.20'] });
      expect(first.created).toBe(true);
      expect(first.names).toEqual(['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:192.168.1.20']);
      expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(Date.parse(first.validTo) - Date.now()).toBeGreaterThan(800 * 86_400_000);
      expect(statSync(join(home, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, 'tls', 'cert.pem')).mode & 0o777).toBe(0o600);
      const again = await ensureLocalCertificate({ home, addresses: ['192.168.1.20'] });
      expect(again.created).toBe(false);
      expect(again.fingerprint256).toBe(first.fingerprint256);
      const moved = await ensureLocalCertificate({ home, addresses: ['10.0.0.7'] });
      expect(moved.created).toBe(true);
      expect(moved.names).toContain('IP Address:10.0.0.7');
      expect(moved.fingerprint256).not.toBe(first.fingerprint256);
    },
    60_000,
  );
});

describe.skipIf(!HAS_OPENSSL)('familiar start --https (skipped without openssl)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGTERM');
  });

  it('serves /healthz and the device stream over TLS with its own certificate, and says how to trust it', async () => {
    const home = tempHome();
    child = spawn(process.execPath, [FAMILIAR_BIN, 'start', '--https'], {
      env: {
        ...process.env,
        FAMILIAR_HOME: home,
        FAMILIAR_PORT: '0',
        FAMILIAR_LOG_LEVEL: 'warn',
        FAMILIAR_ASR: 'off',
      },
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address within 60 s:\n${stderr}`)), 60_000);
      child!.stderr!.on('data', (chunk) => {
        stderr += chunk;
        const found = /listening on (https:\/\/\S+)/.exec(stderr);
        if (found && stderr.includes('SHA-256 fingerprint')) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      child!.on('exit', (code) => reject(new Error(`familiar start exited (${code}):\n${stderr}`)));
    });
    const certificate = await ensureLocalCertificate({ home });
    expect(certificate.created).toBe(false);
    expect(stderr).toContain(certificate.fingerprint256);
    expect(stderr).toContain('warns once');

    const local = url.replace('127.0.0.1', 'localhost');
    const health = await getTrusting(`${local}/healthz`, certificate.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    // Without the certificate trusted, TLS refuses.
    await expect(getTrusting(`${local}/healthz`, '')).rejects.toThrow();

    // The device stream upgrades over TLS too (wss).
    const opened = await new Promise<boolean>((resolve, reject) => {
      const socket = new WebSocket(`${local.replace('https:', 'wss:')}/v1/stream`, { ca: certificate.cert });
      socket.on('open', () => {
        socket.close();
        resolve(true);
      });
      socket.on('error', reject);
    });
    expect(opened).toBe(true);
  }, 90_000);
});
