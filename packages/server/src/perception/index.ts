export * from './audio-decoder.ts';
export * from './audio-perception.ts';
export * from './engines.ts';
export * from './ports.ts';
