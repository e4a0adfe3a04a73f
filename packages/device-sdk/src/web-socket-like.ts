// Handler types are declared through a method so that both the browser's WebSocket and the `ws` package, whose
// event objects carry more fields, are assignable (method parameters are compared bivariantly).
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the browser WebSocket the client uses; `ws` in Node and every browser provide it. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers, `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `readyState` of an open WebSocket. */
export const WEB_SOCKET_OPEN = 1;
