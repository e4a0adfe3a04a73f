export * from './account-store.ts';
export * from './accounts.ts';
export * from './login-rate-limiter.ts';
export * from './passphrase.ts';
export * from './postgres-account-store.ts';
export * from './postgres-web-auth-store.ts';
export type * from './types.ts';
export * from './web-auth.ts';
export * from './web-auth-store.ts';
