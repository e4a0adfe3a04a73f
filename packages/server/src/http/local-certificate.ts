import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { FamiliarError } from '../kernel/index.ts';

/** A certificate and key for serving HTTPS on the home network, with what a person checks to trust it. */
export interface LocalCertificate {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, colon-separated hex (what a phone's certificate details show). */
  fingerprint256: string;
  certPath: string;
  /** The addresses the certificate names (DNS:localhost, 127.0.0.1 and the machine's network addresses). */
  names: string[];
  /** True when it was made just now (first start, or the machine's addresses changed). */
  created: boolean;
  validTo: string;
}

/** The machine's IPv4 addresses on its networks (not loopback), for links and certificates a phone can use. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry.address);
}

/** The names a certificate for these addresses carries, in the form X509Certificate's `subjectAltName` lists them. */
function expectedNames(addresses: readonly string[]): string[] {
  return [
    'DNS:localhost',
    'IP Address:127.0.0.1',
    ...addresses.map((address) => `IP Address:${address}`),
  ].sort();
}

function namesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .sort();
}

/** Runs openssl; a missing openssl is a clear error. */
function runOpenssl(openssl: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(openssl, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(
          new FamiliarError(
            'invalid_config',
            '--https needs the `openssl` command to make a certificate: install it (apt install openssl, brew install openssl) and start again',
            { cause: error },
          ),
        );
      reject(
        new FamiliarError('internal', `openssl could not make a certificate: ${String(stderr).trim()}`, {
          cause: error,
        }),
      );
    });
  });
}

/**
 * The self-signed certificate `familiar start --https` serves, kept in `<home>/tls/` (key and certificate mode 0600).
 * Made with openssl (P-256, 825 days, CN familiar.local, names localhost, 127.0.0.1 and the machine's network
 * addresses) when missing, unreadable, expiring within a day, or when the machine's addresses changed.
 */
export async function ensureLocalCertificate({
  home,
  addresses = lanAddresses(),
  openssl = 'openssl',
  now = Date.now(),
}: {
  home: string;
  addresses?: readonly string[];
  openssl?: string;
  now?: number;
}): Promise<LocalCertificate> {
  const dir = join(home, 'tls');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const wanted = expectedNames(addresses);
  const read = (): { key: string; cert: string; parsed: X509Certificate } | null => {
    if (!existsSync(keyPath) || !existsSync(certPath)) return null;
    try {
      const cert = readFileSync(certPath, 'utf8');
      return { key: readFileSync(keyPath, 'utf8'), cert, parsed: new X509Certificate(cert) };
    } catch {
      return null;
    }
  };
  let existing = read();
  const usable =
    existing !== null &&
    Date.parse(existing.parsed.validTo) > now + 86_400_000 &&
    JSON.stringify(namesOf(existing.parsed)) === JSON.stringify(wanted);
  if (!usable) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const keyTmp = `${keyPath}.${process.pid}.tmp`;
    const certTmp = `${certPath}.${process.pid}.tmp`;
    const altNames = ['DNS:localhost', 'IP:127.0.0.1', ...addresses.map((address) => `IP:${address}`)].join(
      ',',
    );
    try {
      await runOpenssl(openssl, [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=familiar.local',
        '-addext',
        `subjectAltName=${altNames}`,
        '-keyout',
        keyTmp,
        '-out',
        certTmp,
      ]);
      chmodSync(keyTmp, 0o600);
      chmodSync(certTmp, 0o600);
      renameSync(keyTmp, keyPath);
      renameSync(certTmp, certPath);
    } finally {
      rmSync(keyTmp, { force: true });
      rmSync(certTmp, { force: true });
    }
    existing = read();
    if (!existing) throw new FamiliarError('internal', `openssl made no readable certificate in ${dir}`);
  }
  const { key, cert, parsed } = existing!;
  return {
    key,
    cert,
    fingerprint256: parsed.fingerprint256,
    certPath,
    names: namesOf(parsed),
    created: !usable,
    validTo: new Date(parsed.validTo).toISOString(),
  };
}
