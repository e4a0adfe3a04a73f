export * from './audio-decoder.ts';
export * from './audio-perception.ts';
export * from './engines.ts';
export * from './ports.ts';
export * from './speakers/sherpa-speaker-embedder.ts';
export * from './speakers/speaker-identifier.ts';
export * from './speakers/voiceprint-store.ts';
