export * from './api-client.ts';
export * from './api-error.ts';
export * from './familiar-api.ts';
export * from './schemas.ts';
export * from './sse-parser.ts';
