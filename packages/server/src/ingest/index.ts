export * from './audio-import.ts';
export * from './file-ingest.ts';
