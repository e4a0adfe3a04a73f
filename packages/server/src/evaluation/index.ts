export * from './locomo-harness.ts';
