import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../kernel/index.ts';

/** The one table that decides the HTTP status of every error code. */
export const ERROR_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  validation_failed: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  not_found: 404,
  id_conflict: 409,
  already_exists: 409,
  ambiguous_user: 400,
  storage_failed: 503,
  capture_paused: 409,
  address_in_use: 500,
  fact_superseded: 409,
  invalid_input: 422,
  invalid_config: 500,
  model_unavailable: 503,
  embedder_unavailable: 503,
  conflict: 409,
  action_expired: 410,
  tool_failed: 502,
  forbidden: 403,
  rate_limited: 429,
  wrong_key: 500,
  internal: 500,
};
