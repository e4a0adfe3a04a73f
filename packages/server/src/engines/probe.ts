import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** Whether an optional engine can be used on this machine, and what to do when it cannot. */
export interface EngineStatus {
  name: string;
  purpose: string;
  available: boolean;
  detail: string;
}

interface EngineSpec {
  name: string;
  purpose: string;
  module?: string;
  binary?: string;
  hint: string;
}

/** The optional engines perception and the model layer can use; none is needed to start Familiar. */
export const OPTIONAL_ENGINES: readonly EngineSpec[] = [
  {
    name: 'sherpa-onnx',
    purpose: 'voice activity detection, Whisper, speaker embeddings',
    module: 'sherpa-onnx-node',
    hint: 'a dependency of Familiar: run npm install again',
  },
  {
    name: 'pocketsphinx',
    purpose: 'offline speech recognition (low accuracy)',
    binary: 'pocketsphinx_continuous',
    hint: 'apt-get install pocketsphinx pocketsphinx-en-us',
  },
  {
    name: 'tesseract.js',
    purpose: 'OCR of frames',
    module: 'tesseract.js',
    hint: 'npm install tesseract.js @tesseract.js-data/eng',
  },
  {
    name: 'human',
    purpose: 'objects and faces in frames',
    module: '@vladmandic/human',
    hint: 'npm install @vladmandic/human',
  },
  {
    name: 'node-llama-cpp',
    purpose: 'local GGUF language models',
    module: 'node-llama-cpp',
    hint: 'npm install -E node-llama-cpp@3.21.1 and point Familiar at a GGUF file',
  },
  {
    name: 'ffmpeg',
    purpose: 'video frames and audio conversion',
    binary: 'ffmpeg',
    hint: 'apt-get install ffmpeg',
  },
];

const require = createRequire(import.meta.url);

function moduleAvailable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch (error) {
    // A package whose exports map hides its entry point still counts as installed.
    return (error as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

function binaryAvailable(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Looks for each optional engine without loading it (cheap enough for every `familiar status`). */
export function probeEngines(engines: readonly EngineSpec[] = OPTIONAL_ENGINES): EngineStatus[] {
  return engines.map((engine) => {
    const available = engine.module
      ? moduleAvailable(engine.module)
      : engine.binary
        ? binaryAvailable(engine.binary)
        : false;
    return {
      name: engine.name,
      purpose: engine.purpose,
      available,
      detail: available ? 'installed' : `not installed (${engine.hint})`,
    };
  });
}
