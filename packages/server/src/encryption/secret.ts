import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds key material so that it cannot leak by accident: `JSON.stringify`, `util.inspect`, template strings and
 * loggers all see `[redacted]`; only `reveal()` hands out the value.
 */
export class Secret<T extends string | Uint8Array = string | Uint8Array> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The value itself, for the one place that needs it (key derivation). */
  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
