export type * from './job-queue.ts';
export * from './pg-boss-job-queue.ts';
export * from './sqlite-job-queue.ts';
export * from './worker.ts';
