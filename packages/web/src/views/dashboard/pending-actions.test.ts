import { describe, expect, it } from 'vitest';
import {
  argumentLines,
  describeSource,
  describeTool,
  MAX_RESULT_SHOWN,
  outcomeOf,
} from './pending-actions.ts';

describe('describeTool', () => {
  it('splits an MCP tool into its server and tool, and leaves a built-in tool whole', () => {
    expect(describeTool('notes__send_message')).toEqual({
      name: 'send_message',
      server: 'notes',
      exact: 'notes__send_message',
    });
    expect(describeTool('weird__name__tool')).toMatchObject({ name: 'name__tool', server: 'weird' });
    expect(describeTool('add_reminder')).toEqual({
      name: 'add_reminder',
      server: null,
      exact: 'add_reminder',
    });
    expect(describeTool('__odd')).toMatchObject({ name: '__odd', server: null });
  });
});

describe('argumentLines', () => {
  it('shows strings as they are (line breaks kept) and other values as JSON, in stored order', () => {
    const lines = argumentLines({
      arguments: {
        to: 'sam@example.com',
        text: 'line one\nline two',
        count: 3,
        tags: ['a', 'b'],
        extra: null,
      },
    });
    expect(lines).toEqual([
      ['to', 'sam@example.com'],
      ['text', 'line one\nline two'],
      ['count', '3'],
      ['tags', '[\n  "a",\n  "b"\n]'],
      ['extra', 'null'],
    ]);
  });

  it('reveals invisible and reordering characters an attacker could hide in an address or a key', () => {
    // A right-to-left override makes "moc.live@x" read as "x@evil.com"; a zero-width space splits a word unseen.
    const lines = argumentLines({
      arguments: {
        'to\u200b': 'x\u202Emoc.live@sam',
        body: 'pay\u0000 now\r\n',
        nested: { note: 'a\u2066b' },
      },
    });
    expect(lines).toEqual([
      ['to⟨U+200B⟩', 'x⟨U+202E⟩moc.live@sam'],
      ['body', 'pay⟨U+0000⟩ now⟨U+000D⟩\n'],
      ['nested', '{\n  "note": "a⟨U+2066⟩b"\n}'],
    ]);
  });
});

describe('describeSource', () => {
  const at = (iso: string) => `[${iso}]`;
  it('says what was perceived and when, or which tool returned it', () => {
    expect(
      describeSource(
        {
          observationId: '01J',
          modality: 'frame',
          capturedAt: '2026-03-02T14:02:00.000Z',
          via: 'search_memory',
        },
        at,
      ),
    ).toBe('text seen by a camera at [2026-03-02T14:02:00.000Z]');
    expect(
      describeSource(
        { observationId: null, modality: 'utterance', capturedAt: null, via: 'search_memory' },
        at,
      ),
    ).toBe('speech heard');
    expect(
      describeSource({ observationId: null, modality: null, capturedAt: null, via: 'mail__search' }, at),
    ).toBe('the output of the tool mail__search');
    expect(
      describeSource(
        { observationId: null, modality: 'location', capturedAt: null, via: 'search_memory' },
        at,
      ),
    ).toBe('a location captured');
  });
});

describe('outcomeOf', () => {
  it('says a confirmed action ran, with its answer, and a failed one with its error', () => {
    expect(outcomeOf({ status: 'done', result: 'sent to sam@example.com\ndelivery: queued' })).toEqual({
      tone: 'ok',
      headline: 'Done: it ran once, with the arguments shown.',
      detail: 'sent to sam@example.com\ndelivery: queued',
    });
    expect(outcomeOf({ status: 'done', result: { id: 'R1', title: 'buy milk' } }).detail).toBe(
      '{"id":"R1","title":"buy milk"}',
    );
    expect(
      outcomeOf({
        status: 'failed',
        result: { error: 'notes: fail_always failed: the mail server refused' },
      }),
    ).toEqual({
      tone: 'failed',
      headline: 'It ran and failed.',
      detail: 'notes: fail_always failed: the mail server refused',
    });
  });

  it('says a rejected or expired action never ran, and cuts a huge answer saying how much is left out', () => {
    expect(outcomeOf({ status: 'rejected', result: null })).toMatchObject({ tone: 'not-run', detail: null });
    expect(outcomeOf({ status: 'expired', result: null }).headline).toMatch(/did not run/);
    const long = outcomeOf({ status: 'done', result: 'x'.repeat(MAX_RESULT_SHOWN + 25) });
    expect(long.detail).toBe(`${'x'.repeat(MAX_RESULT_SHOWN)}… (25 more characters)`);
  });
});
