/** Absolute path of the Silero VAD ONNX model (16 kHz, 512-sample windows). */
export declare const sileroVadModelPath: string;
