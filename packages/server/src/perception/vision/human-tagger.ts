import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeIssues, FamiliarError, ValidationError } from '../../kernel/index.ts';
import type { Box, DecodedFrame, FrameTagger, FrameTags } from '../ports.ts';

/** Options of `createHumanTagger`. */
export interface HumanTaggerOptions {
  /** COCO objects scoring below this are dropped; the centernet model scores real objects 0.2-0.7. */
  objectThreshold?: number;
  /** Faces whose detection (BlazeFace) scores below this are dropped. */
  faceThreshold?: number;
  /** Most objects kept per frame, best first. */
  maxObjects?: number;
  /** Most faces kept per frame, best first. */
  maxFaces?: number;
}

/** A frame tagger that holds the engine's models in memory until closed. */
export interface HumanTagger extends FrameTagger {
  /**
   * Lets go of the models; they are disposed when the last open tagger of the process closes (the library keeps
   * one set per process). Later calls to `tag` reject.
   */
  close(): Promise<void>;
}

// The parts of `@vladmandic/human` (whose bundled types declare `tf: any` and need every nested option) used here.
type HumanBox = [number, number, number, number];

interface HumanResult {
  error: string | null;
  object: Array<{ label: string; score: number; box: HumanBox }>;
  face: Array<{ score: number; box: HumanBox; embedding?: number[] }>;
}

interface TfTensor {
  dispose(): void;
}

interface TfLoadHandler {
  load(): Promise<unknown>;
}

interface WeightsGroup {
  paths: string[];
  weights: unknown[];
}

interface Tf {
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): TfTensor;
  io: {
    registerLoadRouter(router: (url: string | string[]) => TfLoadHandler | null): void;
    getModelArtifactsForJSON(
      json: unknown,
      loadWeights: (manifest: WeightsGroup[]) => Promise<[unknown[], ArrayBuffer]>,
    ): Promise<unknown>;
  };
}

interface HumanInstance {
  readonly tf: Tf;
  readonly env: { initial: boolean };
  readonly models: { models: Record<string, { dispose(): void } | null>; reset(): void };
  load(): Promise<void>;
  detect(input: TfTensor, config: object): Promise<HumanResult>;
}

interface HumanModule {
  Human: new (config: object) => HumanInstance;
}

interface HumanPaths {
  /** `dist/human.node-wasm.js`: the package's exports map does not list it, so it is loaded by path. */
  bundle: string;
  models: string;
  /** Folder of the tfjs wasm binaries, with a trailing separator (tfjs uses it as a prefix). */
  wasm: string;
  version: string;
}

const PackageJsonSchema = z.object({ version: z.string().min(1) });
const ModelJsonSchema = z.looseObject({
  modelTopology: z.unknown(),
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()), weights: z.array(z.unknown()) })),
});

/** Objects, face boxes, face descriptors. */
const REQUIRED_MODELS = ['centernet', 'blazeface', 'faceres'] as const;

const INSTALL_HINT =
  'the object and face tagger needs @vladmandic/human 3.3 with @tensorflow/tfjs-backend-wasm 4.22 installed in packages/server';

let paths: HumanPaths | null = null;

function humanPaths(): HumanPaths {
  if (paths) return paths;
  const require = createRequire(import.meta.url);
  const main = require.resolve('@vladmandic/human');
  const root = dirname(dirname(main));
  const bundle = join(root, 'dist', 'human.node-wasm.js');
  const backend = createRequire(bundle).resolve('@tensorflow/tfjs-backend-wasm');
  const version = PackageJsonSchema.parse(
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')),
  ).version;
  paths = { bundle, models: join(root, 'models'), wasm: dirname(backend) + sep, version };
  return paths;
}

function describeVersion(): string {
  try {
    return `human ${humanPaths().version} (tfjs wasm)`;
  } catch {
    return 'human (not installed) (tfjs wasm)';
  }
}

const routedFolders = new Set<string>();
const routedIo = new WeakSet<object>();

/**
 * Serves Human's models from disk to tfjs: Node's fetch cannot read `file://` URLs and tfjs' own file loader
 * comes only with tfjs-node. Only URLs inside the folders registered here are answered; nothing else is touched.
 */
function routeModelFiles(tf: Tf, folder: string): void {
  routedFolders.add(resolve(folder));
  if (routedIo.has(tf.io)) return;
  routedIo.add(tf.io);
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = fileURLToPath(url);
    const folder = [...routedFolders].find((candidate) => isInside(candidate, file));
    return folder ? { load: () => loadModelFiles(tf, folder, file) } : null;
  });
}

function isInside(folder: string, file: string): boolean {
  const path = relative(folder, resolve(file));
  return path !== '' && !path.startsWith('..') && !path.startsWith(sep);
}

async function loadModelFiles(tf: Tf, folder: string, file: string): Promise<unknown> {
  const parsed = ModelJsonSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new ValidationError(
      `the model file ${file} is not a tfjs graph model`,
      describeIssues(parsed.error.issues),
    );
  }
  return tf.io.getModelArtifactsForJSON(parsed.data, async (manifest) => {
    const weightFiles = manifest.flatMap((group) => group.paths).map((path) => join(dirname(file), path));
    const outside = weightFiles.find((path) => !isInside(folder, path));
    if (outside) throw new ValidationError(`the model file ${file} names a weight file outside its folder`);
    const weights = Buffer.concat(await Promise.all(weightFiles.map((path) => readFile(path))));
    const data = new ArrayBuffer(weights.byteLength);
    new Uint8Array(data).set(weights);
    return [manifest.flatMap((group) => group.weights), data];
  });
}

/** Settings shared by every call: everything this tagger does not use is off, and no result is reused. */
function detectionConfig(
  options: Required<HumanTaggerOptions>,
  descriptors: boolean,
): Record<string, unknown> {
  return {
    async: false,
    // Human reuses earlier results for frames that look alike (made for video); each frame here stands alone.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        rotation: false,
        maxDetected: options.maxFaces,
        minConfidence: options.faceThreshold,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: false },
      attention: { enabled: false },
      iris: { enabled: false },
      description: { enabled: descriptors, skipFrames: 0, skipTime: 0 },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: {
      enabled: true,
      minConfidence: options.objectThreshold,
      maxDetected: options.maxObjects,
      skipFrames: 0,
      skipTime: 0,
    },
  };
}

interface Engine {
  human: HumanInstance;
  /** Human keeps its models and their state in module variables: one detection at a time per process. */
  queue: Promise<unknown>;
  disposed: boolean;
}

// One engine per process, shared by the open taggers: the library would share its models anyway.
let engine: Promise<Engine> | null = null;
let openTaggers = 0;
/** The disposal of the last engine, which a new one waits for: both would touch Human's module variables. */
let retiring: Promise<void> = Promise.resolve();

async function loadEngine(): Promise<Engine> {
  await retiring;
  let found: HumanPaths;
  try {
    found = humanPaths();
  } catch (error) {
    throw new FamiliarError('internal', INSTALL_HINT, { cause: error });
  }
  const module = createRequire(import.meta.url)(found.bundle) as HumanModule;
  const human = new module.Human({
    backend: 'wasm',
    wasmPath: found.wasm,
    modelBasePath: `${pathToFileURL(found.models).href}/`,
    cacheModels: false,
    debug: false,
    warmup: 'none',
    ...detectionConfig(
      { objectThreshold: 0.3, faceThreshold: 0.5, maxObjects: 20, maxFaces: 20 },
      // Loads the descriptor model too: `load` only loads what the configuration enables.
      true,
    ),
  });
  routeModelFiles(human.tf, found.models);
  try {
    await human.load();
  } catch (error) {
    throw new FamiliarError('internal', `could not load Human's models from ${found.models}`, {
      cause: error,
    });
  }
  // Human logs a model it could not load and carries on without it.
  const missing = REQUIRED_MODELS.filter((name) => !human.models.models[name]);
  if (missing.length > 0) {
    throw new FamiliarError('internal', `Human did not load ${missing.join(', ')} from ${found.models}`);
  }
  return { human, queue: Promise.resolve(), disposed: false };
}

async function retire(closing: Promise<Engine>): Promise<void> {
  const loaded = await closing.catch(() => null);
  if (!loaded) return;
  await loaded.queue;
  loaded.disposed = true;
  for (const model of Object.values(loaded.human.models.models)) model?.dispose();
  loaded.human.models.reset();
  // Human keeps the disposed models in module variables until told to start over.
  loaded.human.env.initial = true;
}

function clampBox([x, y, width, height]: HumanBox, frame: DecodedFrame): Box | null {
  const left = Math.max(0, Math.round(x));
  const top = Math.max(0, Math.round(y));
  const right = Math.min(frame.width, Math.round(x + width));
  const bottom = Math.min(frame.height, Math.round(y + height));
  if (right <= left || bottom <= top) return null;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function toTags(result: HumanResult, frame: DecodedFrame, options: Required<HumanTaggerOptions>): FrameTags {
  const objects: FrameTags['objects'] = [];
  for (const object of result.object) {
    const box = clampBox(object.box, frame);
    if (box && object.score >= options.objectThreshold)
      objects.push({ label: object.label, score: object.score, box });
  }
  const faces: FrameTags['faces'] = [];
  for (const face of result.face) {
    const box = clampBox(face.box, frame);
    if (!box || face.score < options.faceThreshold) continue;
    faces.push(
      face.embedding && face.embedding.length > 0
        ? { score: face.score, box, descriptor: Float32Array.from(face.embedding) }
        : { score: face.score, box },
    );
  }
  objects.sort((a, b) => b.score - a.score);
  faces.sort((a, b) => b.score - a.score);
  return { objects: objects.slice(0, options.maxObjects), faces: faces.slice(0, options.maxFaces) };
}

/**
 * COCO-80 objects (CenterNet) and faces (BlazeFace, with FaceRes' 1024-value descriptors on request) from
 * `@vladmandic/human` on tfjs' WebAssembly backend, offline: the models ship inside the npm package. The engine
 * loads on the first frame (about 0.2 s) and runs one frame at a time on one core: tfjs-backend-wasm cannot start
 * its threads under Node.
 */
export function createHumanTagger({
  objectThreshold = 0.3,
  faceThreshold = 0.5,
  maxObjects = 20,
  maxFaces = 20,
}: HumanTaggerOptions = {}): HumanTagger {
  const options = { objectThreshold, faceThreshold, maxObjects, maxFaces };
  let state: 'new' | 'open' | 'closed' = 'new';

  async function acquire(): Promise<Engine> {
    if (state === 'closed') throw new FamiliarError('internal', 'this tagger was closed');
    if (state === 'new') {
      state = 'open';
      openTaggers += 1;
    }
    engine ??= loadEngine();
    const loading = engine;
    try {
      return await loading;
    } catch (error) {
      if (engine === loading) engine = null;
      throw error;
    }
  }

  return {
    name: describeVersion(),
    async tag(frame, { descriptors = false } = {}) {
      if (!(frame.width > 0 && frame.height > 0) || frame.rgb.byteLength !== frame.width * frame.height * 3) {
        throw new ValidationError(
          `the frame holds ${frame.rgb.byteLength} bytes, not ${frame.width}×${frame.height}×3 RGB bytes`,
        );
      }
      const loaded = await acquire();
      const run = loaded.queue.then(async () => {
        if (loaded.disposed) throw new FamiliarError('internal', 'this tagger was closed');
        const input = loaded.human.tf.tensor3d(
          Int32Array.from(frame.rgb),
          [frame.height, frame.width, 3],
          'int32',
        );
        try {
          return await loaded.human.detect(input, detectionConfig(options, descriptors));
        } finally {
          input.dispose();
        }
      });
      loaded.queue = run.catch(() => undefined);
      const result = await run;
      if (result.error) {
        throw new FamiliarError('internal', `Human could not tag the frame: ${result.error}`, {
          retryable: false,
        });
      }
      return toTags(result, frame, options);
    },
    async close() {
      if (state !== 'open') {
        state = 'closed';
        return;
      }
      state = 'closed';
      openTaggers -= 1;
      if (openTaggers > 0 || !engine) return;
      retiring = retire(engine);
      engine = null;
      await retiring;
    },
  };
}
