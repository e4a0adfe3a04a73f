import { ErrorBodySchema } from '@familiar/protocol';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/**
 * How a request proves who it is for: the dashboard's session cookie (with its CSRF token for unsafe methods), a
 * device token as a bearer token (device mode), or nothing (login, pairing).
 */
export type Credentials =
  | { kind: 'session'; csrfToken: string }
  | { kind: 'device'; token: string }
  | { kind: 'none' };

/** Methods that change nothing, so they need no CSRF token. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Query values; `undefined` leaves the parameter out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** What one request sends and how its answer is read. */
export interface RequestOptions<T> {
  /** The answer's schema; without one the body is not read. */
  schema?: z.ZodType<T>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (media) with its content type. */
  raw?: { body: Blob | Uint8Array; contentType: string };
  query?: Query;
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal;
}

/** Builds the headers and fetch credentials mode of one request: the single place auth and CSRF are decided. */
export function authorize(
  method: string,
  credentials: Credentials,
): { headers: Record<string, string>; credentials: RequestCredentials } {
  switch (credentials.kind) {
    case 'device':
      // The device token is the credential; the session cookie is not sent, so a device never acts as a session.
      return { headers: { authorization: `Bearer ${credentials.token}` }, credentials: 'omit' };
    case 'session':
      return {
        headers: SAFE_METHODS.has(method.toUpperCase()) ? {} : { 'x-csrf-token': credentials.csrfToken },
        credentials: 'same-origin',
      };
    case 'none':
      return { headers: {}, credentials: 'same-origin' };
  }
}

/** Joins a path and query into a URL under `baseUrl` (empty: the page's own origin). */
export function apiUrl(baseUrl: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return `${baseUrl.replace(/\/$/, '')}${path}${search ? `?${search}` : ''}`;
}

/** Options of `createApiClient`. */
export interface ApiClientOptions {
  /** The server's origin; empty for the page's own origin (the server serves the app). */
  baseUrl?: string;
  credentials: () => Credentials;
  fetch?: typeof globalThis.fetch;
}

/** A small HTTP client for Familiar's `/v1` API that validates every answer with its schema. */
export interface ApiClient {
  /** Sends a request and returns the validated answer (or `undefined` for a 204 or when no schema is given). */
  request<T>(method: string, path: string, options?: RequestOptions<T>): Promise<T>;
  /** Sends a request and returns the raw response once its status is OK (for streams such as SSE). */
  stream(method: string, path: string, options?: Omit<RequestOptions<unknown>, 'schema'>): Promise<Response>;
  /** The absolute URL of a path the server gave (a signed media link). */
  url(path: string): string;
}

/** Creates an API client; `fetch` is injected so tests can record what is sent. */
export function createApiClient({
  baseUrl = '',
  credentials,
  fetch = globalThis.fetch.bind(globalThis),
}: ApiClientOptions): ApiClient {
  const send = async (method: string, path: string, options: RequestOptions<unknown>): Promise<Response> => {
    const auth = authorize(method, credentials());
    const headers: Record<string, string> = { ...auth.headers, ...options.headers };
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.body as BodyInit;
    }
    headers.accept = options.accept ?? 'application/json';
    let response: Response;
    try {
      response = await fetch(apiUrl(baseUrl, path, options.query), {
        method,
        headers,
        credentials: auth.credentials,
        ...(body === undefined ? {} : { body }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      throw new ApiError('offline', 'The Familiar server cannot be reached.', { cause });
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  };

  return {
    async request<T>(method: string, path: string, options: RequestOptions<T> = {}): Promise<T> {
      const response = await send(method, path, options as RequestOptions<unknown>);
      if (!options.schema || response.status === 204) return undefined as T;
      let payload: unknown;
      try {
        payload = await response.json();
      } catch (cause) {
        throw new ApiError('bad_response', `The server's answer to ${method} ${path} is not JSON.`, {
          status: response.status,
          cause,
        });
      }
      const parsed = options.schema.safeParse(payload);
      if (!parsed.success) {
        throw new ApiError(
          'bad_response',
          `The server's answer to ${method} ${path} has an unexpected shape.`,
          {
            status: response.status,
            details: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
          },
        );
      }
      return parsed.data;
    },
    stream: (method, path, options = {}) => send(method, path, options),
    url: (path) => (/^https?:/.test(path) ? path : `${baseUrl.replace(/\/$/, '')}${path}`),
  };
}

/** Reads the server's error body (`{error:{code,message,details}}`) into an `ApiError`. */
async function errorFrom(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (a proxy's page, an empty body): fall back to the status below.
  }
  const parsed = ErrorBodySchema.safeParse(payload);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(code, message, { status: response.status, details, retryAfterSeconds });
  }
  return new ApiError(
    response.status === 401 ? 'unauthorized' : `http_${response.status}`,
    `The server answered ${response.status} ${response.statusText}`.trim(),
    { status: response.status, retryAfterSeconds },
  );
}
