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
  /** What the server's operator installs or sets to get speech recognition; null while a recognizer is in use. */
  asrHowToInstall: string | null;
}

const INSTALL_POCKETSPHINX = 'apt-get install pocketsphinx pocketsphinx-en-us';

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
  const none = (why: string, howToInstall: string): AudioEngines => ({
    vad,
    transcriber: null,
    asrStatus: why,
    asrHowToInstall: howToInstall,
  });
  switch (asr.engine) {
    case 'off':
      return none(
        'off (FAMILIAR_ASR=off): audio captures wait, queued',
        `unset FAMILIAR_ASR (auto uses pocketsphinx once installed: ${INSTALL_POCKETSPHINX}), or set FAMILIAR_ASR=whisper|openai, then restart the server`,
      );
    case 'openai': {
      if (!asr.url)
        return none(
          'not configured: FAMILIAR_ASR=openai needs FAMILIAR_ASR_URL',
          'set FAMILIAR_ASR_URL to the base URL of an OpenAI-compatible transcription API, then restart the server',
        );
      const transcriber = createOpenAiCompatibleTranscriber({
        baseUrl: asr.url,
        ...(asr.apiKey ? { apiKey: asr.apiKey } : {}),
        ...(asr.model ? { model: asr.model } : {}),
      });
      return {
        vad,
        transcriber,
        asrStatus: `openai-compatible ${transcriber.model} at ${new URL(asr.url).host} (audio leaves this machine)`,
        asrHowToInstall: null,
      };
    }
    case 'whisper': {
      if (!asr.whisper) {
        return none(
          'not configured: FAMILIAR_ASR=whisper needs FAMILIAR_WHISPER_ENCODER, _DECODER and _TOKENS',
          'set FAMILIAR_WHISPER_ENCODER, FAMILIAR_WHISPER_DECODER and FAMILIAR_WHISPER_TOKENS to the files of a sherpa-onnx Whisper model, then restart the server',
        );
      }
      const transcriber = createWhisperTranscriber({ ...asr.whisper, numThreads: 2 });
      return {
        vad,
        transcriber,
        asrStatus: `whisper (${transcriber.model}, sherpa-onnx, offline)`,
        asrHowToInstall: null,
      };
    }
    default: {
      if (!isPocketsphinxAvailable()) {
        const why =
          asr.engine === 'pocketsphinx'
            ? `pocketsphinx is not installed (${INSTALL_POCKETSPHINX})`
            : `none installed: ${INSTALL_POCKETSPHINX}, or set FAMILIAR_ASR=whisper|openai`;
        if (asr.engine === 'pocketsphinx') logger.warn(why);
        return none(
          `${why}; audio captures wait, queued`,
          asr.engine === 'pocketsphinx'
            ? `${INSTALL_POCKETSPHINX}, then restart the server`
            : `${INSTALL_POCKETSPHINX}, or set FAMILIAR_ASR=whisper|openai, then restart the server`,
        );
      }
      return {
        vad,
        transcriber: createPocketsphinxTranscriber(),
        asrStatus:
          'pocketsphinx 0.8 en-us (offline, low accuracy: about 35-40 % of words wrong on read speech)',
        asrHowToInstall: null,
      };
    }
  }
}
