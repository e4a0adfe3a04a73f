import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse-parser.ts';

describe('createSseParser', () => {
  it('parses events split anywhere, with CRLF line ends, comments and multi-line data', () => {
    const parser = createSseParser();
    const text = 'event: delta\r\ndata: one\r\ndata: two\r\n\r\n: ping\n\ndata: plain\n\n';
    const events = [];
    for (const piece of text.split('')) events.push(...parser.push(piece));
    events.push(...parser.end());
    expect(events).toEqual([
      { event: 'delta', data: 'one\ntwo' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('dispatches an event left without its blank line when the stream ends', () => {
    const parser = createSseParser();
    expect(parser.push('event: done\ndata: {"a":1}')).toEqual([]);
    expect(parser.end()).toEqual([{ event: 'done', data: '{"a":1}' }]);
  });
});
