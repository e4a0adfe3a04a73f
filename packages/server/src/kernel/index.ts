export * from './clock.ts';
export * from './derived-id.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './json-lines.ts';
export * from './logger.ts';
export * from './redact.ts';
export * from './time.ts';
