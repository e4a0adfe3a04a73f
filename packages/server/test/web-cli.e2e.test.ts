import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openFamiliar } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpApp } from '../src/http/index.ts';
import { createSilentLogger } from '../src/kernel/index.ts';
import { FAMILIAR_BIN, runCli, runCliJson, tempHome } from './support/processes.ts';

/** Runs `familiar <args>` as a real process with `input` on its stdin (a pipe, not a terminal). */
function runWithStdin(
  home: string,
  args: readonly string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FAMILIAR_BIN, ...args], {
      env: { ...process.env, FAMILIAR_HOME: home, FAMILIAR_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `familiar user passphrase` and `familiar device add` as real processes, then logging in and pairing over HTTP. */
describe('web app commands', () => {
  it('sets a passphrase from stdin, prints a pairing link with a QR code, and both work over HTTP', async () => {
    const home = tempHome();
    expect((await runCli(home, ['user', 'add', 'ada', '--timezone', 'Europe/Paris'])).code).toBe(0);

    const short = await runWithStdin(home, ['user', 'passphrase', '--stdin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 8 characters');
    const noTerminal = await runWithStdin(home, ['user', 'passphrase'], '');
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toContain('--stdin');
    const set = await runWithStdin(
      home,
      ['user', 'passphrase', '--stdin'],
      'correct horse battery\nignored\n',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('Passphrase set for ada.');
    expect(set.stdout).toContain('Log in to the web app at http://localhost:7777');

    const added = await runCli(home, ['device', 'add', 'phone', '--url', 'https://192.168.1.20:7777/']);
    expect(added.code, added.stderr).toBe(0);
    const link = /https:\/\/192\.168\.1\.20:7777\/pair#code=([A-Za-z0-9_-]{24})/.exec(added.stdout);
    expect(link, added.stdout).not.toBeNull();
    // The QR code is drawn with block characters, many lines tall.
    expect(added.stdout).toMatch(/[▀▄█]{5,}/);
    expect(added.stdout.split('\n').filter((line) => /[▀▄█]/.test(line)).length).toBeGreaterThan(10);
    const token = /fam_[A-Za-z0-9_-]{43}/.exec(added.stdout)?.[0];
    expect(token).toBeDefined();

    const json = await runCliJson<{ token: string; pairing: { link: string; expiresAt: string } }>(home, [
      'device',
      'add',
      '--name',
      'laptop',
      '--https',
    ]);
    expect(json.pairing.link).toMatch(/^https:\/\/localhost:7777\/pair#code=/);
    expect(Date.parse(json.pairing.expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect((await runCli(home, ['device', 'add'])).stderr).toContain('familiar device add <name>');

    const familiar = openFamiliar(loadConfig({ FAMILIAR_HOME: home }), { logger: createSilentLogger() });
    try {
      const app = createHttpApp(familiar);
      const post = (path: string, body: unknown) =>
        app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/v1/session', { user: 'ada', passphrase: 'correct horse battery' })).status).toBe(
        200,
      );
      const paired = await post('/v1/pair', { code: link![1] });
      expect(await paired.json()).toMatchObject({ token, device: { name: 'phone' }, user: { name: 'ada' } });
      expect((await post('/v1/pair', { code: link![1] })).status).toBe(401);
      const audit = await familiar.audit.list((await familiar.accounts.resolveUser()).id);
      expect(audit.map((event) => event.action)).toEqual(
        expect.arrayContaining(['user.passphrase', 'device.add', 'device.pair', 'session.login']),
      );
    } finally {
      await familiar.close();
    }
  }, 120_000);
});
