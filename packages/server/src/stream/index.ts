export * from './audio-segmenter.ts';
export * from './device-hub.ts';
export * from './stream-server.ts';
export * from './stream-writer.ts';
export * from './wav.ts';
