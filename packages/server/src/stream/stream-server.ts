import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_STREAM_MESSAGE_BYTES, STREAM_PATH } from '@familiar/protocol';
import { WebSocketServer } from 'ws';
import type { DeviceHub } from './device-hub.ts';

/**
 * Serves the device stream on `GET /v1/stream` of an existing HTTP server. Other upgrade requests are refused;
 * messages over the size limit close the socket with 1009.
 */
export function attachStreamServer(server: Server, hub: DeviceHub): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_STREAM_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== STREAM_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => hub.accept(ws));
  };
  server.on('upgrade', onUpgrade);
  return {
    async close() {
      server.off('upgrade', onUpgrade);
      await hub.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
