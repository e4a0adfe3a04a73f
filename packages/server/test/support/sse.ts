import { type AskStreamEvent, AskStreamEventSchema } from '@familiar/protocol';

/** Splits a Server-Sent Events body into `{ event, data }` pairs, `data` parsed as JSON. */
export function parseSse(body: string): Array<{ event: string; data: unknown }> {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: JSON.parse(data.join('\n')) as unknown };
    });
}

/** Parses a streamed `POST /v1/ask` body into its events, each validated against the protocol. */
export function parseAskStream(body: string): AskStreamEvent[] {
  return parseSse(body).map((event) => AskStreamEventSchema.parse(event));
}
