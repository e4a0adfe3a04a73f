export * from './fake-guard.ts';
export * from './guard.ts';
export * from './guard-turn.ts';
export * from './hazard-categories.ts';
export * from './llama-guard-output.ts';
export * from './llama-guard-prompt.ts';
export * from './model-guard.ts';
