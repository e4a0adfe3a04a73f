import type { Command } from 'commander';
import QRCode from 'qrcode';
import { validatePassphrase } from '../accounts/index.ts';
import type { Config } from '../config.ts';
import { type LocalCertificate, lanAddresses } from '../http/index.ts';
import { FamiliarError, toIso, ValidationError } from '../kernel/index.ts';
import type { CommandIo } from './command-io.ts';

/** What the web app's commands need from `familiar`'s command tree. */
export interface WebCommandIo extends CommandIo {
  /** Where a passphrase is read from (the process's stdin by default). */
  stdin?: NodeJS.ReadStream | NodeJS.ReadableStream;
}

/**
 * The server's base URL as a device sees it: `FAMILIAR_HOST` (this machine's first network address when it listens on
 * every interface; `localhost` for loopback) and `FAMILIAR_PORT`, over HTTPS with `https`.
 */
export function defaultServerUrl(
  config: Pick<Config, 'host' | 'port'>,
  options: { https?: boolean } = {},
): string {
  let host = config.host;
  if (host === '0.0.0.0' || host === '::') host = lanAddresses()[0] ?? 'localhost';
  else if (host === '127.0.0.1' || host === '::1') host = 'localhost';
  if (host.includes(':')) host = `[${host}]`;
  return `${options.https ? 'https' : 'http'}://${host}:${config.port === 0 ? 7777 : config.port}`;
}

/** The pairing link a phone opens: the web app's `/pair` page with the code in the fragment (never sent to a server log). */
export function pairingLink(baseUrl: string, code: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/pair#code=${encodeURIComponent(code)}`;
}

/** Reads one line typed at a terminal without echoing it. Ctrl-C cancels. */
function readHiddenLine(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let typed = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error: Error | null) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n' || character === '\u0004') return done(null);
        if (character === '\u0003') return done(new ValidationError('cancelled: no passphrase was set'));
        if (character === '\u007f' || character === '\b') typed = [...typed].slice(0, -1).join('');
        else if (character >= ' ') typed += character;
      }
    };
    stdin.on('data', onData);
  });
}

/** Reads the first line of a stream (a pipe): the passphrase without its line ending. */
async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** `familiar user passphrase`: sets the passphrase a person logs in to the web app with. */
export function registerPassphraseCommand(user: Command, io: WebCommandIo): void {
  user
    .command('passphrase')
    .description('set the passphrase for logging in to the web app (asked twice; --stdin reads one line)')
    .option('--user <name>', 'whose passphrase (default: the only user)')
    .option('--stdin', 'read the passphrase from the first line of stdin instead of asking')
    .action(async (options: { user?: string; stdin?: boolean }, command: Command) => {
      const stdin = io.stdin ?? process.stdin;
      let passphrase: string;
      if (options.stdin) passphrase = await readFirstLine(stdin);
      else {
        const terminal = stdin as NodeJS.ReadStream;
        if (!terminal.isTTY || typeof terminal.setRawMode !== 'function')
          throw new ValidationError(
            'no terminal to ask on: pipe the passphrase with --stdin, e.g. `familiar user passphrase --stdin < file`',
          );
        passphrase = await readHiddenLine(terminal, 'New passphrase (at least 8 characters): ');
        validatePassphrase(passphrase);
        const again = await readHiddenLine(terminal, 'Type it again: ');
        if (again !== passphrase)
          throw new ValidationError('the two passphrases differ: nothing was changed');
      }
      validatePassphrase(passphrase);
      await io.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const { sessionsEnded } = await familiar.webAuth.setPassphrase(owner.id, passphrase);
        await io.audit(familiar, owner.id, 'user.passphrase', owner.id, { sessionsEnded });
        const url = defaultServerUrl(familiar.config);
        out.result(
          { user: owner.name, sessionsEnded },
          [
            `Passphrase set for ${owner.name}.${sessionsEnded > 0 ? ` ${sessionsEnded} browser session(s) were logged out.` : ''}`,
            `Log in to the web app at ${url} (with \`familiar start\` running) as "${owner.name}" with this passphrase.`,
          ].join('\n'),
        );
      });
    });
}

/**
 * `familiar device add <name>`: adds a device, prints its token once, and a one-time pairing link (10 minutes) with a
 * QR code a phone can scan to pair the web app without typing the token.
 */
export function registerDeviceAddCommand(device: Command, io: WebCommandIo): void {
  device
    .command('add [name]')
    .description(
      'add a device: prints a pairing link and QR code (one use, 10 minutes) and its token (shown once)',
    )
    .option('--name <label>', 'a name for the device, e.g. glasses (or give it as the argument)')
    .option('--user <name>', 'whose device (default: the only user)')
    .option(
      '--url <base>',
      "the server's address as the device reaches it (default: from FAMILIAR_HOST and FAMILIAR_PORT)",
    )
    .option('--https', 'the server runs with `familiar start --https`: the link uses https')
    .action(
      async (
        positional: string | undefined,
        options: { name?: string; user?: string; url?: string; https?: boolean },
        command: Command,
      ) =>
        io.withFamiliar(command, async (familiar, out) => {
          const name = positional ?? options.name;
          if (!name) throw new ValidationError('name the device: `familiar device add <name>`, e.g. phone');
          let baseUrl: string;
          if (options.url) {
            let parsed: URL;
            try {
              parsed = new URL(options.url);
            } catch {
              throw new ValidationError(`--url must be the server's address, e.g. https://192.168.1.20:7777`);
            }
            if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
              throw new ValidationError('--url must start with http:// or https://');
            baseUrl = parsed.origin;
          } else baseUrl = defaultServerUrl(familiar.config, { https: Boolean(options.https) });
          const { device: added, token } = await familiar.accounts.addDevice({
            name,
            ...(options.user ? { userName: options.user } : {}),
          });
          const pairing = await familiar.webAuth.issuePairingCode({
            userId: added.userId,
            deviceId: added.id,
            token,
          });
          await io.audit(familiar, added.userId, 'device.add', added.id, { pairingCode: true });
          const link = pairingLink(baseUrl, pairing.code);
          let qr: string;
          try {
            qr = await QRCode.toString(link, { type: 'terminal', small: true });
          } catch (cause) {
            throw new FamiliarError('internal', 'could not draw the QR code of the pairing link', { cause });
          }
          out.result(
            {
              token,
              device: { id: added.id, name: added.name },
              pairing: { link, expiresAt: toIso(pairing.expiresAt) },
            },
            [
              `Device "${added.name}" added (${added.id}).`,
              '',
              'Pair a phone or laptop: scan this code, or open the link on it within 10 minutes (it works once):',
              qr.trimEnd(),
              link,
              '',
              'Token (shown once; store it on the device if it does not pair with the link):',
              token,
            ].join('\n'),
          );
        }),
    );
}

/** What `familiar start --https` prints: where to open the app on a phone and how to trust the certificate. */
export function describeHttps(
  certificate: LocalCertificate,
  config: Pick<Config, 'host' | 'port'>,
  port: number,
): string {
  const onPhone = defaultServerUrl({ host: config.host, port }, { https: true });
  const local = config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost';
  return [
    `HTTPS: a self-signed certificate${certificate.created ? ' (made now)' : ''} in ${certificate.certPath}, for ${certificate.names.join(', ')}.`,
    `  SHA-256 fingerprint: ${certificate.fingerprint256}`,
    local
      ? '  Phones cannot reach 127.0.0.1: start with FAMILIAR_HOST=0.0.0.0 to serve your home network.'
      : `  On a phone on this network, open ${onPhone} (or scan the QR code of \`familiar device add <name> --https\`).`,
    '  The browser warns once that it does not know this certificate: check that the fingerprint in its details matches',
    '  the one above, then accept. Camera and microphone work only over HTTPS (or on localhost).',
  ].join('\n');
}
