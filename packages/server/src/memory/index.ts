export * from './content-hash.ts';
export * from './in-memory-timeline-store.ts';
export * from './people-store.ts';
export * from './presenters.ts';
export * from './sqlite-timeline-store.ts';
export * from './timeline.ts';
export type * from './timeline-store.ts';
export type * from './types.ts';
