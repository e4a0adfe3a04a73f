import { createApiClient, createFamiliarApi, type FamiliarApi } from '../api/index.ts';

let csrfToken: string | null = null;

/** Sets (or clears, with null) the CSRF token of the person's session, used on every unsafe dashboard request. */
export function setSessionCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The API as the logged-in person (session cookie + CSRF token), or anonymous before login (login, pairing). */
export const sessionApi: FamiliarApi = createFamiliarApi(
  createApiClient({ credentials: () => (csrfToken ? { kind: 'session', csrfToken } : { kind: 'none' }) }),
);

/** The API as this paired device (its token as a bearer token). */
export function deviceApi(token: string): FamiliarApi {
  return createFamiliarApi(createApiClient({ credentials: () => ({ kind: 'device', token }) }));
}
