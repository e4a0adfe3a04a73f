export * from './device-client.ts';
export * from './device-stream-error.ts';
export * from './fake-stream-server.ts';
export * from './outbox.ts';
export * from './wav.ts';
export * from './web-socket-like.ts';
