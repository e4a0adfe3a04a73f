import { fileURLToPath } from 'node:url';

/** Absolute path of the Silero VAD ONNX model (16 kHz, 512-sample windows). */
export const sileroVadModelPath = fileURLToPath(new URL('./silero_vad.onnx', import.meta.url));
