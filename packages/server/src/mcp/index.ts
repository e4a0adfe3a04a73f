export * from './familiar-mcp-server.ts';
export * from './mcp-redaction.ts';
