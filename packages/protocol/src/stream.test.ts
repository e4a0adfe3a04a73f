import { describe, expect, it } from 'vitest';
import { ClientMessageSchema, decodeMediaMessage, encodeMediaMessage, PCM16_MEDIA_TYPE } from './stream.ts';

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
