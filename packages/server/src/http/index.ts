export * from './error-status.ts';
export * from './http-app.ts';
export * from './local-certificate.ts';
