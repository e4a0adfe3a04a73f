// Emitted by Vite as a hashed file under /assets/, which the server serves like the app's other assets.
import defaultWorkletUrl from './pcm-capture-worklet.js?url';
import { PcmChunker, PcmResampler, STREAM_RATE } from './pcm-resampler.ts';

/** A running microphone capture; `stop` releases the microphone and hands over the last partial chunk. */
export interface Microphone {
  stop(): Promise<void>;
  /** The rate the browser captures at, before resampling to 16 kHz. */
  readonly inputRate: number;
}

/** Options of `startMicrophone`. */
export interface MicrophoneOptions {
  /** Each 100 ms of 16 kHz mono PCM16, with the device time (epoch ms) of its first sample. */
  onChunk(pcm: Int16Array, deviceTime: number): void;
  /** Where the AudioWorklet module is served. */
  workletUrl?: string;
}

/**
 * Starts the microphone: the samples come from an AudioWorklet (a ScriptProcessorNode where worklets are missing),
 * are resampled to 16 kHz PCM16 on the page and cut into 100 ms chunks. Rejects with the browser's error when the
 * microphone cannot be opened (see `describeMediaError`).
 */
export async function startMicrophone({
  onChunk,
  workletUrl = defaultWorkletUrl,
}: MicrophoneOptions): Promise<Microphone> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: false,
  });
  const context = new AudioContext();
  try {
    await context.resume();
    const resampler = new PcmResampler(context.sampleRate, STREAM_RATE);
    const chunker = new PcmChunker(STREAM_RATE / 10);
    const startedAt = Date.now();
    const emit = (chunk: { pcm: Int16Array; firstSample: number }): void =>
      onChunk(chunk.pcm, startedAt + (chunk.firstSample * 1000) / STREAM_RATE);
    const take = (samples: Float32Array): void => {
      for (const chunk of chunker.push(resampler.push(samples))) emit(chunk);
    };

    const source = context.createMediaStreamSource(stream);
    // The capture node must reach the destination to be pulled; a zero gain keeps the speaker silent.
    const silence = context.createGain();
    silence.gain.value = 0;
    silence.connect(context.destination);
    let node: AudioNode;
    if (context.audioWorklet) {
      await context.audioWorklet.addModule(workletUrl);
      const worklet = new AudioWorkletNode(context, 'pcm-capture', { numberOfInputs: 1, numberOfOutputs: 1 });
      worklet.port.onmessage = (event: MessageEvent<Float32Array>) => take(event.data);
      node = worklet;
    } else {
      const processor = context.createScriptProcessor(4096, 1, 1);
      processor.onaudioprocess = (event) => take(event.inputBuffer.getChannelData(0).slice());
      node = processor;
    }
    source.connect(node);
    node.connect(silence);

    return {
      inputRate: context.sampleRate,
      async stop() {
        source.disconnect();
        node.disconnect();
        for (const track of stream.getTracks()) track.stop();
        const last = chunker.flush();
        if (last) emit(last);
        await context.close();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close().catch(() => {});
    throw error;
  }
}
