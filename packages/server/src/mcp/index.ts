export * from './familiar-mcp-server.ts';
