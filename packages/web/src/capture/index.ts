export * from './camera.ts';
export * from './frame-scheduler.ts';
export * from './media-errors.ts';
export * from './microphone.ts';
export * from './pcm-resampler.ts';
