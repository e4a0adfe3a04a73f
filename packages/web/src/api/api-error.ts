/** Codes the web app adds to the server's own (`unauthorized`, `rate_limited`, `not_found`…). */
export type ClientErrorCode = 'offline' | 'bad_response';

/**
 * An API call that failed: the server's stable `code` and its `message` for people, or `offline` when the server
 * could not be reached, or `bad_response` when its answer did not match the schema.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly details: unknown;
  /** Seconds to wait before trying again (from `retry-after`), when the server said so. */
  readonly retryAfterSeconds: number | null;

  constructor(
    code: ClientErrorCode | (string & {}),
    message: string,
    options: { status?: number; details?: unknown; retryAfterSeconds?: number | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }

  /** True when trying the same call later may work (offline, rate limited, the server busy). */
  get retryable(): boolean {
    return this.code === 'offline' || this.status === 429 || this.status >= 500;
  }
}

/** Says what went wrong in words a person can act on, from any error an API call or the device stream throws. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'offline')
      return 'The Familiar server cannot be reached. Check the connection and try again.';
    if (error.code === 'rate_limited' && error.retryAfterSeconds !== null)
      return `${error.message} Try again in ${formatWait(error.retryAfterSeconds)}.`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  return `${Math.round(seconds / 60)} minutes`;
}
