export * from './answer-presenter.ts';
export * from './ask.ts';
export * from './notifications.ts';
