export * from './locomo-harness.ts';
export * from './redteam/benign-tasks.ts';
export * from './redteam/harness.ts';
export * from './redteam/instructions.ts';
export * from './redteam/obedient-model.ts';
export * from './redteam/world-tools.ts';
