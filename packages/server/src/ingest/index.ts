export * from './file-ingest.ts';
