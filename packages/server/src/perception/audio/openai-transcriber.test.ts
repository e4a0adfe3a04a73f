import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWav } from '@familiar/device-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FamiliarError } from '../../kernel/index.ts';
import { createOpenAiCompatibleTranscriber } from './openai-transcriber.ts';

/** A `verbose_json` answer in the shape OpenAI's `whisper-1` returns, the last segment a hallucination over silence. */
const VERBOSE_JSON = {
  task: 'transcribe',
  language: 'english',
  duration: 8.470000267028809,
  text: "I'll meet Dana at the station at six. Remind me to bring the blue folder. Thanks for watching!",
  segments: [
    {
      id: 0,
      seek: 0,
      start: 0.0,
      end: 2.9800000190734863,
      text: " I'll meet Dana at the station at six.",
      tokens: [50364, 286, 603, 1677, 38838, 412, 264, 5214, 412, 2309, 13, 50513],
      temperature: 0.0,
      avg_logprob: -0.24727658927440643,
      compression_ratio: 1.0657894611358643,
      no_speech_prob: 0.012069386616349697,
    },
    {
      id: 1,
      seek: 0,
      start: 3.4000000953674316,
      end: 5.940000057220459,
      text: ' Remind me to bring the blue folder.',
      tokens: [50533, 4080, 471, 385, 281, 1565, 264, 3344, 10820, 13, 50661],
      temperature: 0.0,
      avg_logprob: -0.24727658927440643,
      compression_ratio: 1.0657894611358643,
      no_speech_prob: 0.012069386616349697,
    },
    {
      id: 2,
      seek: 300,
      start: 7.0,
      end: 8.470000267028809,
      text: ' Thanks for watching!',
      tokens: [50364, 2561, 337, 1976, 0, 50464],
      temperature: 0.4,
      avg_logprob: -1.3148651123046875,
      compression_ratio: 0.8260869383811951,
      no_speech_prob: 0.8134765625,
    },
  ],
  words: [
    { word: "I'll", start: 0.0, end: 0.2800000011920929 },
    { word: 'meet', start: 0.2800000011920929, end: 0.5400000214576721 },
    { word: 'Dana', start: 0.5400000214576721, end: 0.9599999785423279 },
    { word: 'at', start: 0.9599999785423279, end: 1.1799999475479126 },
    { word: 'the', start: 1.1799999475479126, end: 1.3200000524520874 },
    { word: 'station', start: 1.3200000524520874, end: 1.8600000143051147 },
    { word: 'at', start: 1.8600000143051147, end: 2.200000047683716 },
    { word: 'six', start: 2.200000047683716, end: 2.9800000190734863 },
    { word: 'Remind', start: 3.4000000953674316, end: 3.7799999713897705 },
    { word: 'me', start: 3.7799999713897705, end: 3.9600000381469727 },
    { word: 'to', start: 3.9600000381469727, end: 4.099999904632568 },
    { word: 'bring', start: 4.099999904632568, end: 4.440000057220459 },
    { word: 'the', start: 4.440000057220459, end: 4.599999904632568 },
    { word: 'blue', start: 4.599999904632568, end: 4.980000019073486 },
    { word: 'folder', start: 4.980000019073486, end: 5.940000057220459 },
    { word: 'Thanks', start: 7.0, end: 7.559999942779541 },
    { word: 'for', start: 7.559999942779541, end: 7.800000190734863 },
    { word: 'watching', start: 7.800000190734863, end: 8.470000267028809 },
  ],
};

const API_KEY = 'sk-proj-Q2Fx7hLmN0pRsTuVwXyZ123456789abcdEFGH';

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

describe('OpenAI-compatible transcriber', () => {
  let server: Server;
  let baseUrl: string;
  let requests: RecordedRequest[];
  let reply: Reply | 'hang';

  beforeEach(async () => {
    requests = [];
    reply = { status: 200, body: JSON.stringify(VERBOSE_JSON) };
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: new Uint8Array(Buffer.concat(chunks)),
        });
        if (reply === 'hang') return;
        response.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
        response.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function receivedForm(request: RecordedRequest): Promise<FormData> {
    const contentType = String(request.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    return new Request('http://127.0.0.1/', {
      method: 'POST',
      body: request.body,
      headers: { 'content-type': contentType },
    }).formData();
  }

  const nineSeconds = () => new Int16Array(9 * 16_000).map((_, i) => Math.round(6000 * Math.sin(i / 7)));

  it('sends the audio as a WAV in a multipart request and returns segments with their words', async () => {
    const transcriber = createOpenAiCompatibleTranscriber({ baseUrl, apiKey: API_KEY });
    const samples = nineSeconds();
    const segments = await transcriber.transcribe(samples, { language: 'en-GB' });

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/audio/transcriptions' });
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const form = await receivedForm(request!);
    expect(form.get('model')).toBe('whisper-1');
    expect(form.get('response_format')).toBe('verbose_json');
    expect(form.getAll('timestamp_granularities[]')).toEqual(['word', 'segment']);
    expect(form.get('language')).toBe('en');
    const file = form.get('file');
    expect(file).toBeInstanceOf(File);
    expect((file as File).type).toBe('audio/wav');
    expect((file as File).name).toBe('segment.wav');
    const wav = parseWav(new Uint8Array(await (file as File).arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, frames: samples.length });

    expect(segments.map(({ text, startMs, endMs }) => ({ text, startMs, endMs }))).toEqual([
      { text: "I'll meet Dana at the station at six.", startMs: 0, endMs: 2980 },
      { text: 'Remind me to bring the blue folder.', startMs: 3400, endMs: 5940 },
    ]);
    expect(segments[0]!.words!.map((word) => word.word)).toEqual([
      "I'll",
      'meet',
      'Dana',
      'at',
      'the',
      'station',
      'at',
      'six',
    ]);
    expect(segments[1]!.words![0]).toEqual({ word: 'Remind', startMs: 3400, endMs: 3780 });
    expect(segments[1]!.words).toHaveLength(7);
    expect(transcriber).toMatchObject({
      engine: 'openai-compatible',
      model: 'whisper-1',
      lowAccuracy: false,
    });
  });

  it('falls back to one segment when the server returns only text, and sends no key when none is set', async () => {
    reply = { status: 200, body: JSON.stringify({ text: ' Call Sam back tomorrow. ' }) };
    const transcriber = createOpenAiCompatibleTranscriber({
      baseUrl: `${baseUrl}/`,
      model: 'whisper-large-v3',
    });
    const segments = await transcriber.transcribe(new Int16Array(32_000));
    expect(segments).toEqual([{ text: 'Call Sam back tomorrow.', startMs: 0, endMs: 2000 }]);
    expect(requests[0]!.headers.authorization).toBeUndefined();
    expect(requests[0]!.url).toBe('/v1/audio/transcriptions');
    expect((await receivedForm(requests[0]!)).get('language')).toBeNull();
  });

  it("turns a 401 into a non-retryable error with the API's message and without the key", async () => {
    reply = {
      status: 401,
      body: JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    };
    const transcriber = createOpenAiCompatibleTranscriber({ baseUrl, apiKey: API_KEY });
    const error = await transcriber.transcribe(nineSeconds()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FamiliarError);
    expect(error).toMatchObject({
      code: 'validation_failed',
      retryable: false,
      details: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    const { message, details, cause } = error as FamiliarError;
    expect(message).toContain('Incorrect API key provided');
    for (const text of [message, JSON.stringify(details), String(cause), (error as Error).stack ?? ''])
      expect(text).not.toContain(API_KEY.slice(8));
  });

  it('turns a masked key in the message into [redacted] too', async () => {
    reply = {
      status: 401,
      body: JSON.stringify({
        error: {
          message: 'Incorrect API key provided: sk-proj-********************EFGH.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    };
    const transcriber = createOpenAiCompatibleTranscriber({ baseUrl, apiKey: API_KEY });
    await expect(transcriber.transcribe(nineSeconds())).rejects.toMatchObject({
      message: expect.stringMatching(/Incorrect API key provided: \[redacted\]$/),
    });
  });

  it('marks server errors and rate limits as retryable', async () => {
    const transcriber = createOpenAiCompatibleTranscriber({ baseUrl, apiKey: API_KEY });
    reply = {
      status: 500,
      body: JSON.stringify({
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          code: null,
        },
      }),
    };
    await expect(transcriber.transcribe(nineSeconds())).rejects.toMatchObject({
      code: 'internal',
      retryable: true,
      message: expect.stringContaining('500: The server had an error while processing your request'),
    });
    reply = {
      status: 429,
      body: JSON.stringify({
        error: { message: 'Rate limit reached for whisper-1', type: 'requests', code: 'rate_limit_exceeded' },
      }),
    };
    await expect(transcriber.transcribe(nineSeconds())).rejects.toMatchObject({ retryable: true });
    reply = { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' };
    await expect(transcriber.transcribe(nineSeconds())).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('502'),
    });
  });

  it('rejects an answer that is not a transcription', async () => {
    reply = { status: 200, body: JSON.stringify({ segments: 'nope' }) };
    const transcriber = createOpenAiCompatibleTranscriber({ baseUrl });
    await expect(transcriber.transcribe(nineSeconds())).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('not a verbose_json transcription'),
    });
  });

  it('gives up after the timeout (retryable) and stops when the caller aborts', async () => {
    reply = 'hang';
    const slow = createOpenAiCompatibleTranscriber({ baseUrl, timeoutMs: 200 });
    await expect(slow.transcribe(nineSeconds())).rejects.toMatchObject({
      code: 'internal',
      retryable: true,
      message: expect.stringContaining('200 ms'),
    });
    const controller = new AbortController();
    const patient = createOpenAiCompatibleTranscriber({ baseUrl });
    const pending = patient.transcribe(nineSeconds(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports an unreachable server as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const transcriber = createOpenAiCompatibleTranscriber({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: API_KEY,
    });
    const error = await transcriber.transcribe(nineSeconds()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'internal', retryable: true });
    expect((error as Error).message).not.toContain(API_KEY);
  });
});
