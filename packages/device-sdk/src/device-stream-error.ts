/** Why a device-stream operation failed; server error codes (`unauthorized`, `sequence_gap`…) pass through. */
export type DeviceStreamErrorCode =
  | 'unauthorized'
  | 'replaced'
  | 'bad_message'
  | 'message_too_large'
  | 'connect_failed'
  | 'disconnected'
  | 'closed'
  | 'timeout'
  | 'invalid_input'
  | 'bad_server_message'
  | (string & {});

/** An error of the device client: a stable `code`, a message for people, and whether trying again may help. */
export class DeviceStreamError extends Error {
  readonly code: DeviceStreamErrorCode;
  readonly retryable: boolean;
  /** True when the client gave up for good (it will not reconnect). */
  readonly fatal: boolean;
  /** The WebSocket close code, when the error came with a close. */
  readonly closeCode: number | undefined;
  /** What the server said about the error beside its message (e.g. the action's `id` and `status`), if anything. */
  readonly details: unknown;

  constructor(
    code: DeviceStreamErrorCode,
    message: string,
    options: {
      retryable?: boolean;
      fatal?: boolean;
      closeCode?: number;
      cause?: unknown;
      details?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeviceStreamError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.fatal = options.fatal ?? false;
    this.closeCode = options.closeCode;
    this.details = options.details;
  }
}
