export * from './ai-sdk-embedder.ts';
export * from './embedder.ts';
export * from './embedding-indexer.ts';
export * from './hashing-embedder.ts';
export * from './ollama-embedder.ts';
export * from './postgres-vector-index.ts';
export * from './sqlite-vector-index.ts';
export type * from './vector-index.ts';
