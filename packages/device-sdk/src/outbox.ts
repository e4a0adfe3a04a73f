/** How much the server lets a device have sent but not yet acknowledged (from `welcome.window`). */
export interface SendWindow {
  maxInFlight: number;
  maxInFlightBytes: number;
}

/** One message waiting for its durable acknowledgement; `payload` is whatever the caller needs to encode it. */
export interface OutboxEntry<T> {
  readonly stream: string;
  /** Bytes the message takes on the wire (counted against the window and the buffer limit). */
  readonly bytes: number;
  readonly payload: T;
  /** Assigned when the message is first sent after a welcome; kept when it is resent. */
  seq: number | null;
  /** Whether it was sent on the current connection (and so counts as in flight). */
  sent: boolean;
  /** How many times it was sent, over all connections. */
  sends: number;
}

/** What resuming from a `welcome` did to the outbox. */
export interface ResumeResult<T> {
  /** Sent messages the server already stored (seq ≤ its last): treat them as acknowledged. */
  stored: OutboxEntry<T>[];
  /** Messages given new sequence numbers because the server knew less than the device had sent (data lost). */
  renumbered: number;
}

/**
 * The device's outbox: every message from the moment it is queued until the server says it is stored.
 * Sequence numbers are assigned per stream at first send, kept across resends, and new messages go out only
 * after every unacknowledged one has been resent. Pure bookkeeping: no I/O and no timers.
 */
export class Outbox<T> {
  /** Messages with a sequence number, in the order they were numbered: sent ones first, then resends due. */
  private numbered: OutboxEntry<T>[] = [];
  /** Messages never sent, first in first out (a head index avoids shifting a long array). */
  private fresh: OutboxEntry<T>[] = [];
  private freshHead = 0;
  private readonly lastSeq = new Map<string, number>();
  private inFlightBytesTotal = 0;
  private inFlightTotal = 0;
  private bufferedBytesTotal = 0;

  /** Queues a message; it gets its sequence number when it is first sent. */
  add(stream: string, bytes: number, payload: T): OutboxEntry<T> {
    const entry: OutboxEntry<T> = { stream, bytes, payload, seq: null, sent: false, sends: 0 };
    this.fresh.push(entry);
    this.bufferedBytesTotal += bytes;
    return entry;
  }

  /**
   * The next message to send if the window has room for it: resends first, in sequence order, then new
   * messages in the order they were queued. A message larger than the byte window goes alone.
   */
  next(window: SendWindow): OutboxEntry<T> | undefined {
    const candidate = this.numbered.find((entry) => !entry.sent) ?? this.fresh[this.freshHead];
    if (!candidate) return undefined;
    if (this.inFlightTotal >= window.maxInFlight) return undefined;
    if (this.inFlightTotal > 0 && this.inFlightBytesTotal + candidate.bytes > window.maxInFlightBytes)
      return undefined;
    return candidate;
  }

  /** Records that `entry` (from `next`) went out on the current connection; numbers it on its first send. */
  markSent(entry: OutboxEntry<T>): { seq: number; resend: boolean } {
    if (entry.sent) throw new Error('this message is already in flight');
    if (entry.seq === null) {
      if (this.fresh[this.freshHead] !== entry) throw new Error('new messages must be sent in queue order');
      this.fresh[this.freshHead] = undefined as unknown as OutboxEntry<T>;
      this.freshHead += 1;
      this.compactFresh();
      entry.seq = (this.lastSeq.get(entry.stream) ?? 0) + 1;
      this.lastSeq.set(entry.stream, entry.seq);
      this.numbered.push(entry);
    }
    entry.sent = true;
    entry.sends += 1;
    this.inFlightTotal += 1;
    this.inFlightBytesTotal += entry.bytes;
    return { seq: entry.seq, resend: entry.sends > 1 };
  }

  /** Removes the message the server acknowledged; undefined when it is not (or no longer) in the outbox. */
  acknowledge(stream: string, seq: number): OutboxEntry<T> | undefined {
    const index = this.numbered.findIndex((entry) => entry.seq === seq && entry.stream === stream);
    if (index < 0) return undefined;
    const [entry] = this.numbered.splice(index, 1);
    this.forget(entry!);
    return entry;
  }

  /** The connection is gone: nothing is in flight any more, and every numbered message will be resent. */
  disconnected(): void {
    for (const entry of this.numbered) entry.sent = false;
    this.inFlightTotal = 0;
    this.inFlightBytesTotal = 0;
  }

  /**
   * Applies a `welcome`'s last stored sequence numbers: drops what the server has, keeps the rest for resending
   * with their numbers, and continues numbering after the larger of the two. If the server knows less than the
   * device had sent and had acknowledged (its data was reset), the stream starts again after the server's last,
   * since any other number would be a gap the server refuses forever.
   */
  resume(serverLast: Readonly<Record<string, number>>): ResumeResult<T> {
    this.disconnected();
    const stored: OutboxEntry<T>[] = [];
    const kept: OutboxEntry<T>[] = [];
    for (const entry of this.numbered) {
      if ((entry.seq ?? 0) <= (serverLast[entry.stream] ?? 0)) stored.push(entry);
      else kept.push(entry);
    }
    for (const entry of stored) this.forget(entry);
    this.numbered = kept;
    let renumbered = 0;
    const streams = new Set([...this.lastSeq.keys(), ...Object.keys(serverLast)]);
    for (const stream of streams) {
      const server = serverLast[stream] ?? 0;
      const pending = kept.filter((entry) => entry.stream === stream);
      const first = pending[0]?.seq ?? null;
      if (first !== null && first > server + 1) {
        pending.forEach((entry, index) => {
          entry.seq = server + 1 + index;
        });
        renumbered += pending.length;
      }
      this.lastSeq.set(stream, pending.length > 0 ? pending[pending.length - 1]!.seq! : server);
    }
    return { stored, renumbered };
  }

  /** Empties the outbox (the client is closing or failed) and returns what was in it, oldest first. */
  drain(): OutboxEntry<T>[] {
    const all = [...this.numbered, ...this.fresh.slice(this.freshHead)];
    this.numbered = [];
    this.fresh = [];
    this.freshHead = 0;
    this.inFlightTotal = 0;
    this.inFlightBytesTotal = 0;
    this.bufferedBytesTotal = 0;
    return all;
  }

  /** The last sequence number used (or known stored) on a stream; 0 if none. */
  lastSequence(stream: string): number {
    return this.lastSeq.get(stream) ?? 0;
  }

  /** Messages not yet acknowledged. */
  get size(): number {
    return this.numbered.length + this.fresh.length - this.freshHead;
  }

  /** Messages sent on the current connection and not yet acknowledged. */
  get inFlight(): number {
    return this.inFlightTotal;
  }

  /** Bytes sent on the current connection and not yet acknowledged. */
  get inFlightBytes(): number {
    return this.inFlightBytesTotal;
  }

  /** Bytes of every message not yet acknowledged. */
  get bufferedBytes(): number {
    return this.bufferedBytesTotal;
  }

  private forget(entry: OutboxEntry<T>): void {
    this.bufferedBytesTotal -= entry.bytes;
    if (entry.sent) {
      this.inFlightTotal -= 1;
      this.inFlightBytesTotal -= entry.bytes;
      entry.sent = false;
    }
  }

  private compactFresh(): void {
    if (this.freshHead === this.fresh.length) {
      this.fresh = [];
      this.freshHead = 0;
    } else if (this.freshHead > 1024 && this.freshHead * 2 > this.fresh.length) {
      this.fresh = this.fresh.slice(this.freshHead);
      this.freshHead = 0;
    }
  }
}
