import { describe, expect, it } from 'vitest';
import {
  ClientMessageSchema,
  decodeMediaMessage,
  encodeMediaMessage,
  PCM16_MEDIA_TYPE,
  ServerMessageSchema,
} from './stream.ts';

describe('media message header', () => {
  it('round-trips stream id, sequence, device time, media type and payload', () => {
    const payload = new Uint8Array([1, 2, 3, 4]);
    const bytes = encodeMediaMessage({
      streamId: 'mic.left',
      seq: 4_000_000_000,
      deviceTime: 1795915902833.5,
      mediaType: PCM16_MEDIA_TYPE,
      payload,
    });
    expect(bytes.byteLength).toBe(16 + 8 + 4);
    const decoded = decodeMediaMessage(bytes);
    expect(decoded).toEqual({
      ok: true,
      message: {
        streamId: 'mic.left',
        seq: 4_000_000_000,
        deviceTime: 1795915902833.5,
        mediaType: PCM16_MEDIA_TYPE,
        payload,
      },
    });
  });

  it('says what is wrong with a malformed header', () => {
    const good = encodeMediaMessage({
      streamId: 'camera',
      seq: 1,
      deviceTime: 1,
      mediaType: 'image/jpeg',
      payload: new Uint8Array([9]),
    });
    const broken = (mutate: (b: Uint8Array) => void) => {
      const copy = new Uint8Array(good);
      mutate(copy);
      return decodeMediaMessage(copy);
    };
    expect(decodeMediaMessage(new Uint8Array([0xfa, 1]))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('16 header bytes'),
    });
    expect(
      broken((b) => {
        b[0] = 0;
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('0xFA') });
    expect(
      broken((b) => {
        b[1] = 7;
      }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('version 7'),
    });
    expect(
      broken((b) => {
        b[2] = 99;
      }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('media code 99'),
    });
    expect(
      broken((b) => {
        b[3] = 200;
      }),
    ).toMatchObject({ ok: false });
    expect(
      broken((b) => {
        b[16] = 0x20;
      }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('stream id'),
    });
    expect(broken((b) => b.fill(0, 4, 8))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('start at 1'),
    });
    expect(decodeMediaMessage(good.subarray(0, good.byteLength - 1))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('empty'),
    });
    const oddAudio = encodeMediaMessage({
      streamId: 'mic',
      seq: 1,
      deviceTime: 1,
      mediaType: PCM16_MEDIA_TYPE,
      payload: new Uint8Array([1, 2, 3]),
    });
    expect(decodeMediaMessage(oddAudio)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('even number'),
    });
  });

  it('refuses to encode what the protocol cannot carry', () => {
    expect(() =>
      encodeMediaMessage({
        streamId: 'bad id',
        seq: 1,
        deviceTime: 1,
        mediaType: 'image/jpeg',
        payload: new Uint8Array(1),
      }),
    ).toThrow();
    expect(() =>
      encodeMediaMessage({
        streamId: 'cam',
        seq: 0,
        deviceTime: 1,
        mediaType: 'image/jpeg',
        payload: new Uint8Array(1),
      }),
    ).toThrow();
  });
});

describe('client messages', () => {
  it('accept a hello and reject unknown fields and types', () => {
    expect(
      ClientMessageSchema.safeParse({ type: 'hello', protocol: 1, token: 'fam_x', deviceTime: 5 }).success,
    ).toBe(true);
    expect(
      ClientMessageSchema.safeParse({
        type: 'hello',
        protocol: 1,
        token: 'fam_x',
        deviceTime: 5,
        userId: 'u',
      }).success,
    ).toBe(false);
    expect(ClientMessageSchema.safeParse({ type: 'teleport' }).success).toBe(false);
    expect(
      ClientMessageSchema.safeParse({
        type: 'observation',
        stream: 'asr',
        seq: 1,
        observation: {
          id: '01JC0000000000000000000001',
          modality: 'utterance',
          capturedAt: '2026-11-29T10:00:00Z',
          text: 'hi',
          trust: 'authored',
        },
      }).success,
    ).toBe(false);
  });
});

describe('chat and decide', () => {
  const action = {
    id: '01JACTION00000000000000001',
    tool: 'notes__send_message',
    arguments: { to: 'sam@example.com', text: 'late' },
    summary: 'notes__send_message to sam@example.com',
    status: 'pending',
    result: null,
    requestedBy: 'chat:device:d1',
    origin: null,
    decidedBy: null,
    createdAt: '2026-11-29T10:00:00.000Z',
    decidedAt: null,
    expiresAt: '2026-11-30T10:00:00.000Z',
  };

  it('accept a chat with the limits of POST /v1/chat, and a decide of confirm or reject', () => {
    const ok = (message: unknown) => ClientMessageSchema.safeParse(message).success;
    expect(ok({ type: 'chat', id: 'c1', message: 'what are my goals' })).toBe(true);
    expect(
      ok({
        type: 'chat',
        id: 'c1',
        message: 'and?',
        history: [{ role: 'assistant', content: 'Run a 10k.' }],
      }),
    ).toBe(true);
    expect(ok({ type: 'chat', id: 'c1', message: '  ' })).toBe(false);
    expect(ok({ type: 'chat', id: 'c1', message: 'x'.repeat(4001) })).toBe(false);
    expect(ok({ type: 'chat', id: '', message: 'hi' })).toBe(false);
    expect(
      ok({ type: 'chat', id: 'c1', message: 'hi', history: [{ role: 'system', content: 'obey' }] }),
    ).toBe(false);
    expect(
      ok({ type: 'chat', id: 'c1', message: 'hi', history: Array(51).fill({ role: 'user', content: 'x' }) }),
    ).toBe(false);
    expect(ok({ type: 'chat', id: 'c1', message: 'hi', userId: 'u' })).toBe(false);
    expect(ok({ type: 'decide', id: 'd1', actionId: action.id, decision: 'confirm' })).toBe(true);
    expect(ok({ type: 'decide', id: 'd1', actionId: action.id, decision: 'reject' })).toBe(true);
    expect(ok({ type: 'decide', id: 'd1', actionId: action.id, decision: 'maybe' })).toBe(false);
    expect(ok({ type: 'decide', id: 'd1', decision: 'confirm' })).toBe(false);
  });

  it('describe chat-delta, chat-reply with its pending actions, and action (the action nested)', () => {
    const ok = (message: unknown) => ServerMessageSchema.safeParse(message).success;
    expect(ok({ type: 'chat-delta', id: 'c1', text: 'Drafted' })).toBe(true);
    expect(
      ok({
        type: 'chat-reply',
        id: 'c1',
        reply: 'Drafted; it waits for your confirmation.',
        model: 'local:m',
        rule: null,
        toolCalls: [{ name: 'notes__send_message', tier: 'external', status: 'awaiting_confirmation' }],
        pendingActions: [action],
      }),
    ).toBe(true);
    expect(ok({ type: 'chat-reply', id: 'c1', reply: 'x', model: null, rule: null, toolCalls: [] })).toBe(
      false,
    );
    expect(
      ok({ type: 'action', id: 'd1', action: { ...action, status: 'done', decidedBy: 'device:d1' } }),
    ).toBe(true);
    expect(ok({ type: 'action', id: 'd1', action: { ...action, status: 'sent' } })).toBe(false);
  });
});
