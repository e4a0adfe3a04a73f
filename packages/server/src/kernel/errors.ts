/** Stable error codes. The HTTP edge maps each to a status in one table (`http/error-status.ts`). */
export type ErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'not_found'
  | 'id_conflict'
  | 'already_exists'
  | 'ambiguous_user'
  | 'storage_failed'
  | 'capture_paused'
  | 'address_in_use'
  | 'fact_superseded'
  | 'invalid_input'
  | 'invalid_config'
  | 'model_unavailable'
  | 'embedder_unavailable'
  | 'conflict'
  | 'action_expired'
  | 'tool_failed'
  | 'forbidden'
  | 'rate_limited'
  | 'wrong_key'
  | 'internal';

/** Base error of Familiar: a code for machines, a message for people, an optional cause and details. */
export class FamiliarError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FamiliarError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

/** Input that failed validation; `details` lists the problems by path. */
export class ValidationError extends FamiliarError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, { details });
    this.name = 'ValidationError';
  }
}

/** A thing that does not exist for this user (or belongs to another user: the same answer, on purpose). */
export class NotFoundError extends FamiliarError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} was not found`, { details: { id } });
    this.name = 'NotFoundError';
  }
}

/** An id reused with different content. */
export class ConflictError extends FamiliarError {
  constructor(message: string, details?: unknown) {
    super('id_conflict', message, { details });
    this.name = 'ConflictError';
  }
}

/** A missing, wrong or revoked credential. */
export class UnauthorizedError extends FamiliarError {
  constructor(message = 'a valid device token is required: send "Authorization: Bearer <token>"') {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

/** Turns a Zod error's issues into a short list of `path: message` strings for error details. */
export function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string[] {
  return issues.slice(0, 20).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
