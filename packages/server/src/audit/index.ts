export * from './audit-actions.ts';
export * from './audit-log.ts';
export * from './postgres-audit-log.ts';
