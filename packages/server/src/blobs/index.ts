export * from './blob-cipher.ts';
export * from './blob-rewrap.ts';
export * from './blob-store.ts';
export * from './fs-blob-store.ts';
export * from './in-memory-blob-store.ts';
