import { ulid } from 'ulidx';

/** A client-side observation as a device would send it. */
export function clientObservation(text: string, overrides: Record<string, unknown> = {}) {
  return { id: ulid(), modality: 'note', capturedAt: '2026-11-20T10:00:00Z', text, ...overrides };
}

/** JSON request options with a bearer token. */
export function jsonRequest(token: string | null, body: unknown, method = 'POST'): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
