export * from './catalog.ts';
export * from './catalog-schema.ts';
export * from './llama-cpp/index.ts';
export * from './model-runner.ts';
export * from './models-config.ts';
export * from './providers.ts';
export * from './redaction/index.ts';
export * from './router.ts';
