/** Test support: tiny ONNX speaker models that sherpa-onnx really loads, built in code (no model to download). */

// Protobuf field numbers below are those of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
// ValueInfoProto, TypeProto, TensorShapeProto, StringStringEntryProto).
const utf8 = new TextEncoder();
function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}
const int = (field: number, value: number) => [...varint(field * 8), ...varint(value)];
function bytes(field: number, value: string | number[]): number[] {
  const payload = typeof value === 'string' ? [...utf8.encode(value)] : value;
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
}
const tensorType = (dims: Array<number | string>) =>
  bytes(1, [
    ...int(1, 1), // FLOAT
    ...bytes(
      2,
      dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : bytes(2, d))),
    ),
  ]);
const valueInfo = (name: string, dims: Array<number | string>) => [
  ...bytes(1, name),
  ...bytes(2, tensorType(dims)),
];

/**
 * An ONNX model (IR 8, opset 13) whose "embedding" is the mean of the input features over time: `x` [N, T, 80] →
 * `embedding` [N, 80]. Enough for sherpa-onnx's WeSpeaker path to load and run; its voiceprints are the long-term
 * spectrum, so one tone matches itself and not another.
 */
export function meanFeaturesModel(metadata: Record<string, string>): Uint8Array {
  const node = [
    ...bytes(1, 'x'),
    ...bytes(2, 'embedding'),
    ...bytes(3, 'mean'),
    ...bytes(4, 'ReduceMean'),
    ...bytes(5, [...bytes(1, 'axes'), ...int(8, 1), ...int(20, 7)]),
    ...bytes(5, [...bytes(1, 'keepdims'), ...int(3, 0), ...int(20, 2)]),
  ];
  const graph = [
    ...bytes(1, node),
    ...bytes(2, 'mean-features'),
    ...bytes(11, valueInfo('x', ['N', 'T', 80])),
    ...bytes(12, valueInfo('embedding', ['N', 80])),
  ];
  return Uint8Array.from([
    ...int(1, 8),
    ...bytes(2, 'familiar-test'),
    ...bytes(7, graph),
    ...bytes(8, [...bytes(1, ''), ...int(2, 13)]),
    ...Object.entries(metadata).flatMap(([key, value]) => bytes(14, [...bytes(1, key), ...bytes(2, value)])),
  ]);
}

/** Metadata of a WeSpeaker-style model, as sherpa-onnx reads it. */
export const WESPEAKER_METADATA = {
  framework: 'wespeaker',
  output_dim: '80',
  sample_rate: '16000',
  normalize_samples: '1',
  language: 'English',
};
