/** One Server-Sent Event: its `event` name (`message` when none was given) and its `data` lines joined. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * An incremental Server-Sent Events parser: feed it text as it arrives (split anywhere, even inside a line) and it
 * returns the events completed so far. Follows the WHATWG rules that matter here: `event:` and `data:` fields,
 * multi-line data joined with newlines, comments (`:`) ignored, CRLF, CR or LF line ends.
 */
export function createSseParser(): { push(text: string): ServerSentEvent[]; end(): ServerSentEvent[] } {
  let buffer = '';
  let event = '';
  let data: string[] = [];

  const dispatch = (out: ServerSentEvent[]): void => {
    if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };

  const line = (text: string, out: ServerSentEvent[]): void => {
    if (text === '') {
      dispatch(out);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };

  return {
    push(text) {
      buffer += text;
      const out: ServerSentEvent[] = [];
      // A final "\r" may be the first half of a "\r\n" still to come: keep it back with the unfinished line.
      const heldCr = buffer.endsWith('\r');
      const lines = (heldCr ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      const rest = lines.pop() ?? '';
      buffer = heldCr ? `${rest}\r` : rest;
      for (const each of lines) line(each, out);
      return out;
    },
    end() {
      const out: ServerSentEvent[] = [];
      const rest = buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer;
      buffer = '';
      if (rest !== '') line(rest, out);
      dispatch(out);
      return out;
    },
  };
}
