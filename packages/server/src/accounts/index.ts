export * from './account-store.ts';
export * from './accounts.ts';
export * from './postgres-account-store.ts';
export type * from './types.ts';
