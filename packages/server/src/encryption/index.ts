export * from './at-rest-keys.ts';
export * from './key-setting.ts';
export * from './rotation-marker.ts';
export * from './secret.ts';
