export * from './api.ts';
export * from './assistant.ts';
export * from './capture.ts';
export * from './ids.ts';
export * from './observation.ts';
export * from './stream.ts';
export * from './version.ts';
