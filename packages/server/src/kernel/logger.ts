import pino from 'pino';

/** The structured logger every part of the server takes. */
export type Logger = pino.Logger;

/** A JSON logger on stderr (stdout stays free for command output); tokens and secrets are redacted. */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: {
        paths: ['token', 'authorization', 'headers.authorization', 'req.headers.authorization', '*.token'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and quiet CLI runs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
