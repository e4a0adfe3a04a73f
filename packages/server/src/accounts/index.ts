export * from './account-store.ts';
export * from './accounts.ts';
export type * from './types.ts';
