import type { Config } from '../config.ts';
import type { Logger } from '../kernel/index.ts';
import { createOpenAiCompatibleTranscriber } from './audio/openai-transcriber.ts';
import { createPocketsphinxTranscriber, isPocketsphinxAvailable } from './audio/pocketsphinx-transcriber.ts';
import { createSileroVad } from './audio/silero-vad.ts';
import { createWhisperTranscriber } from './audio/whisper-transcriber.ts';
import type { Transcriber, VoiceActivityDetector } from './ports.ts';

/** The audio engines perception runs with, and a line for `familiar status` about each. */
export interface AudioEngines {
  vad: VoiceActivityDetector;
  transcriber: Transcriber | null;
  /** Human-readable state of speech recognition (why there is none, or how rough it is). */
  asrStatus: string;
}

/**
 * Picks the speech recognizer from the configuration: `auto` uses pocketsphinx when Debian's package is installed;
 * whisper and openai need their settings; `off` (or nothing available) leaves audio captures queued, untouched.
 * The VAD is always Silero on sherpa-onnx with the bundled model.
 */
export function createAudioEngines(config: Pick<Config, 'asr'>, logger: Logger): AudioEngines {
  // Loaded on first use: every CLI command opens the engines, few of them hear anything.
  let silero: VoiceActivityDetector | null = null;
  const vad: VoiceActivityDetector = {
    name: 'silero-vad (sherpa-onnx 1.13.8)',
    createSession: () => {
      silero ??= createSileroVad();
      return silero.createSession();
    },
  };
  const { asr } = config;
  const none = (why: string): AudioEngines => ({ vad, transcriber: null, asrStatus: why });
  switch (asr.engine) {
    case 'off':
      return none('off (FAMILIAR_ASR=off): audio captures wait, queued');
    case 'openai': {
      if (!asr.url) return none('not configured: FAMILIAR_ASR=openai needs FAMILIAR_ASR_URL');
      const transcriber = createOpenAiCompatibleTranscriber({
        baseUrl: asr.url,
        ...(asr.apiKey ? { apiKey: asr.apiKey } : {}),
        ...(asr.model ? { model: asr.model } : {}),
      });
      return {
        vad,
        transcriber,
        asrStatus: `openai-compatible ${transcriber.model} at ${new URL(asr.url).host} (audio leaves this machine)`,
      };
    }
    case 'whisper': {
      if (!asr.whisper) {
        return none(
          'not configured: FAMILIAR_ASR=whisper needs FAMILIAR_WHISPER_ENCODER, _DECODER and _TOKENS',
        );
      }
      const transcriber = createWhisperTranscriber({ ...asr.whisper, numThreads: 2 });
      return { vad, transcriber, asrStatus: `whisper (${transcriber.model}, sherpa-onnx, offline)` };
    }
    default: {
      if (!isPocketsphinxAvailable()) {
        const why =
          asr.engine === 'pocketsphinx'
            ? 'pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us)'
            : 'none installed: apt-get install pocketsphinx pocketsphinx-en-us, or set FAMILIAR_ASR=whisper|openai';
        if (asr.engine === 'pocketsphinx') logger.warn(why);
        return none(`${why}; audio captures wait, queued`);
      }
      return {
        vad,
        transcriber: createPocketsphinxTranscriber(),
        asrStatus:
          'pocketsphinx 0.8 en-us (offline, low accuracy: about 35-40 % of words wrong on read speech)',
      };
    }
  }
}
