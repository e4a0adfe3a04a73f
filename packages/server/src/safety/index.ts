export * from './media-links.ts';
