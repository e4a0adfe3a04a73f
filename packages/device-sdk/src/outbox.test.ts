import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';

const wide = { maxInFlight: 100, maxInFlightBytes: 1_000_000 };

/** Sends everything the window allows and returns `stream:seq` of what went out. */
function sendAll(outbox: Outbox<string>, window = wide): string[] {
  const out: string[] = [];
  for (let entry = outbox.next(window); entry; entry = outbox.next(window)) {
    const { seq } = outbox.markSent(entry);
    out.push(`${entry.stream}:${seq}`);
  }
  return out;
}

describe('Outbox', () => {
  it('numbers messages per stream at first send, in queue order', () => {
    const outbox = new Outbox<string>();
    const first = outbox.add('audio', 10, 'a1');
    outbox.add('camera', 10, 'c1');
    outbox.add('audio', 10, 'a2');
    expect(first.seq).toBeNull();
    expect(sendAll(outbox)).toEqual(['audio:1', 'camera:1', 'audio:2']);
    expect(first.seq).toBe(1);
    expect(outbox.inFlight).toBe(3);
    expect(outbox.bufferedBytes).toBe(30);
  });

  it('keeps the count and bytes in flight inside the window', () => {
    const outbox = new Outbox<string>();
    for (let i = 0; i < 5; i += 1) outbox.add('audio', 100, `a${i}`);
    expect(sendAll(outbox, { maxInFlight: 2, maxInFlightBytes: 10_000 })).toEqual(['audio:1', 'audio:2']);
    outbox.acknowledge('audio', 1);
    expect(sendAll(outbox, { maxInFlight: 2, maxInFlightBytes: 10_000 })).toEqual(['audio:3']);
    expect(sendAll(outbox, { maxInFlight: 10, maxInFlightBytes: 250 })).toEqual([]);
    outbox.acknowledge('audio', 2);
    expect(sendAll(outbox, { maxInFlight: 10, maxInFlightBytes: 250 })).toEqual(['audio:4']);
  });

  it('sends a message larger than the byte window when nothing else is in flight', () => {
    const outbox = new Outbox<string>();
    outbox.add('camera', 5_000, 'big');
    expect(sendAll(outbox, { maxInFlight: 4, maxInFlightBytes: 1_000 })).toEqual(['camera:1']);
  });

  it('removes acknowledged messages and ignores acks it does not know', () => {
    const outbox = new Outbox<string>();
    outbox.add('audio', 10, 'a1');
    outbox.add('audio', 20, 'a2');
    sendAll(outbox);
    expect(outbox.acknowledge('audio', 2)?.payload).toBe('a2');
    expect(outbox.acknowledge('audio', 2)).toBeUndefined();
    expect(outbox.acknowledge('camera', 1)).toBeUndefined();
    expect(outbox).toMatchObject({ size: 1, inFlight: 1, inFlightBytes: 10, bufferedBytes: 10 });
  });

  it('on resume drops what the server stored and resends the rest with their numbers before new ones', () => {
    const outbox = new Outbox<string>();
    for (let i = 1; i <= 4; i += 1) outbox.add('audio', 10, `a${i}`);
    sendAll(outbox);
    outbox.add('audio', 10, 'a5');
    outbox.disconnected();
    expect(outbox.inFlight).toBe(0);
    const { stored, renumbered } = outbox.resume({ audio: 2 });
    expect(stored.map((entry) => entry.payload)).toEqual(['a1', 'a2']);
    expect(renumbered).toBe(0);
    const resent: boolean[] = [];
    const order: string[] = [];
    for (let entry = outbox.next(wide); entry; entry = outbox.next(wide)) {
      const { seq, resend } = outbox.markSent(entry);
      order.push(`${entry.payload}@${seq}`);
      resent.push(resend);
    }
    expect(order).toEqual(['a3@3', 'a4@4', 'a5@5']);
    expect(resent).toEqual([true, true, false]);
  });

  it('continues numbering after the server’s last sequence on a stream it has never sent on', () => {
    const outbox = new Outbox<string>();
    outbox.resume({ audio: 41 });
    outbox.add('audio', 10, 'a');
    outbox.add('camera', 10, 'c');
    expect(sendAll(outbox)).toEqual(['audio:42', 'camera:1']);
  });

  it('renumbers from the server’s last when the server lost data, instead of sending a gap forever', () => {
    const outbox = new Outbox<string>();
    for (let i = 1; i <= 6; i += 1) outbox.add('audio', 10, `a${i}`);
    sendAll(outbox);
    for (const seq of [1, 2, 3, 4]) outbox.acknowledge('audio', seq);
    const { stored, renumbered } = outbox.resume({});
    expect(stored).toEqual([]);
    expect(renumbered).toBe(2);
    outbox.add('audio', 10, 'a7');
    expect(sendAll(outbox)).toEqual(['audio:1', 'audio:2', 'audio:3']);
  });

  it('drains everything, oldest first', () => {
    const outbox = new Outbox<string>();
    outbox.add('audio', 10, 'a1');
    outbox.add('audio', 10, 'a2');
    sendAll(outbox, { maxInFlight: 1, maxInFlightBytes: 100 });
    expect(outbox.drain().map((entry) => entry.payload)).toEqual(['a1', 'a2']);
    expect(outbox).toMatchObject({ size: 0, inFlight: 0, bufferedBytes: 0 });
  });

  it('stays correct over many messages (the fresh queue compacts)', () => {
    const outbox = new Outbox<number>();
    for (let i = 0; i < 5000; i += 1) outbox.add('audio', 1, i);
    let acked = 0;
    for (;;) {
      const entry = outbox.next({ maxInFlight: 8, maxInFlightBytes: 100 });
      if (!entry) {
        if (outbox.size === 0) break;
        acked += 1;
        expect(outbox.acknowledge('audio', acked)?.payload).toBe(acked - 1);
        continue;
      }
      outbox.markSent(entry);
    }
    expect(acked).toBe(5000);
    expect(outbox.lastSequence('audio')).toBe(5000);
  });
});
