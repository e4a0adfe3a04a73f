import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { Command } from 'commander';
import type { Familiar } from '../app.ts';
import { createFamiliarMcpServer, createMcpRedactor } from '../mcp/index.ts';
import type { Output } from './output.ts';

type WithFamiliar = <T>(
  command: Command,
  work: (familiar: Familiar, out: Output) => Promise<T>,
) => Promise<T>;

/**
 * Sends what libraries print with `console.log`, `info` and `debug` to stderr: on `familiar mcp`, stdout carries
 * the protocol and nothing else.
 */
function keepStdoutForTheProtocol(): void {
  const toStderr = (...values: unknown[]) => console.error(...values);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

/**
 * Counts the requests the transport has received and not yet answered, so that when stdin ends (a client that
 * writes its requests and closes the pipe) every answer is still written before the store closes.
 */
function trackPendingRequests(transport: StdioServerTransport): { settled(): Promise<void> } {
  let pending = 0;
  let wake: (() => void) | null = null;
  const receive = transport.onmessage;
  transport.onmessage = (message) => {
    if (isJSONRPCRequest(message)) pending += 1;
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    try {
      await send(message);
    } finally {
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        pending = Math.max(0, pending - 1);
        if (pending === 0) wake?.();
      }
    }
  };
  return {
    settled: () =>
      pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
  };
}

/**
 * `familiar mcp [--user <name>]`: the person's memory as MCP tools over stdio, for desktop assistants and other
 * agents. Stdout carries only the protocol; the one status line and any logs go to stderr. It runs until stdin
 * ends (after answering what was asked) or SIGTERM/SIGINT, then closes the store.
 */
export function registerMcpCommand(program: Command, deps: { withFamiliar: WithFamiliar }): void {
  program
    .command('mcp')
    .description(
      'serve your memory to MCP clients (desktop assistants, other agents) over stdio: read-only tools, audited',
    )
    .option('--user <name>', 'whose memory (default: the only user)')
    .option(
      '--no-redact',
      'hand personal data (e-mail addresses, numbers, addresses, names, places) to the client as it is; by default it leaves as placeholders, as before a cloud model (familiar.config.json → mcpServer.redact)',
    )
    .action(async (options: { user?: string; redact: boolean }, command: Command) => {
      keepStdoutForTheProtocol();
      await deps.withFamiliar(command, async (familiar) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const redact = options.redact && familiar.config.mcpServer.redact;
        const server = createFamiliarMcpServer(familiar, owner, 'mcp:cli', {
          redactor: redact ? createMcpRedactor(await familiar.people.list(owner.id)) : null,
        });
        const transport = new StdioServerTransport();
        await server.connect(transport);
        const requests = trackPendingRequests(transport);
        process.stderr.write(
          `Familiar MCP server for ${owner.name} on stdio: read-only tools search_memory, get_timeline, list_goals, list_inbox, get_person; personal data ${redact ? 'redacted (placeholders)' : 'NOT redacted'} (stops when stdin closes).\n`,
        );
        const stops: Array<() => void> = [];
        const reason = await new Promise<string>((resolve) => {
          const on = (emitter: NodeJS.EventEmitter, event: string, why: string) => {
            const listener = () => resolve(why);
            emitter.once(event, listener);
            stops.push(() => emitter.off(event, listener));
          };
          on(process.stdin, 'end', 'stdin closed');
          on(process.stdin, 'close', 'stdin closed');
          on(process, 'SIGTERM', 'SIGTERM');
          on(process, 'SIGINT', 'SIGINT');
          server.server.onclose = () => resolve('transport closed');
          if (process.stdin.readableEnded) resolve('stdin closed');
        });
        for (const stop of stops) stop();
        if (reason === 'stdin closed') await requests.settled();
        await server.close();
        process.stdin.destroy();
        familiar.logger.debug({ reason }, 'MCP session ended');
      });
    });
}
