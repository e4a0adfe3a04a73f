export * from './ask.ts';
export * from './query-terms.ts';
