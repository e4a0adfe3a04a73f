import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { FamiliarError } from '../../kernel/index.ts';

const runtimes = new Map<'cpu' | 'auto', Promise<Llama>>();

/** Threads for llama.cpp when the caller gives none: every core but one, so Node's main thread is not starved. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The model id of a GGUF file: its base name without the `.gguf` extension. */
export function modelIdFromPath(modelPath: string): string {
  return basename(modelPath).replace(/\.gguf$/i, '');
}

/**
 * The process-wide llama.cpp runtime (one per GPU mode), loaded on first use and never rebuilt: prebuilt
 * binaries only. Models and contexts are disposed by their owners; the runtime itself lives with the process.
 */
export function sharedLlama(gpu: boolean): Promise<Llama> {
  const key = gpu ? 'auto' : 'cpu';
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
      getLlama({
        gpu: gpu ? 'auto' : false,
        build: 'never',
        logLevel: LlamaLogLevel.error,
        progressLogs: false,
      }),
    );
    runtime.catch(() => runtimes.delete(key));
    runtimes.set(key, runtime);
  }
  return runtime;
}

/** Loads a GGUF file, turning a missing, unreadable or invalid file into `model_unavailable` that names the path. */
export async function loadGgufModel(modelPath: string, gpu: boolean): Promise<LlamaModel> {
  try {
    const info = await stat(modelPath);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (cause) {
    throw new FamiliarError(
      'model_unavailable',
      `no model file at ${modelPath}: give the path of a GGUF file`,
      {
        cause,
      },
    );
  }
  const llama = await sharedLlama(gpu).catch((cause: unknown) => {
    throw new FamiliarError('model_unavailable', `llama.cpp could not start to load ${modelPath}`, { cause });
  });
  try {
    return await llama.loadModel({ modelPath });
  } catch (cause) {
    throw new FamiliarError(
      'model_unavailable',
      `llama.cpp could not load ${modelPath}: is it a valid GGUF model? (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
}
