export * from './capture-state.ts';
export * from './exclusion-rules.ts';
export * from './guard/index.ts';
export * from './media-links.ts';
export * from './postgres-capture-state.ts';
export * from './privacy.ts';
export * from './spotlight.ts';
