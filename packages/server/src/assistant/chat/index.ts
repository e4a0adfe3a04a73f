export * from './builtin-tools.ts';
export * from './chat.ts';
export * from './chat-rules.ts';
export * from './mcp.ts';
export * from './taint.ts';
export * from './tool-definition.ts';
export * from './tools.ts';
