export * from './error-status.ts';
export * from './http-app.ts';
export * from './media-links.ts';
