export * from './error-status.ts';
export * from './http-app.ts';
