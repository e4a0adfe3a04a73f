import type { ServerEngine, ServerFacts } from '@familiar/protocol';
import type { Config } from './config.ts';
import { probeEngines } from './engines/index.ts';
import type { RouteDecision, RouteRequest } from './models/index.ts';
import type { AudioEngines } from './perception/index.ts';
import type { GuardStatus } from './safety/index.ts';

const ASK_ROUTE: RouteRequest = { task: 'ask', sensitivity: 'private' };
const GUARD_ROUTE: RouteRequest = { task: 'guard', sensitivity: 'private' };

/** npm modules an engine needs, and the command that installs them. */
interface ModuleNeeds {
  modules: readonly string[];
  install: string;
}

const VOICE_ACTIVITY: ModuleNeeds = {
  modules: ['sherpa-onnx-node'],
  install: 'sherpa-onnx-node is a dependency of Familiar: run npm install again',
};
const TEXT_READING: ModuleNeeds = {
  modules: ['tesseract.js', '@tesseract.js-data/eng'],
  install: 'npm install tesseract.js@7 @tesseract.js-data/eng in packages/server',
};
const OBJECTS_AND_FACES: ModuleNeeds = {
  modules: ['@vladmandic/human', '@tensorflow/tfjs-backend-wasm'],
  install: 'npm install @vladmandic/human@3.3 @tensorflow/tfjs-backend-wasm@4.22 in packages/server',
};

const FRAMES_UNREAD =
  'Frames are stored but unread: each is marked failed, so nothing in it (text, objects, people) reaches your memory';

/** What `createServerFacts` reads: the configuration, the engines as the composition root made them, the router. */
export interface ServerFactsDeps {
  config: Pick<Config, 'audioRetentionDays' | 'retention' | 'encryption' | 'databaseUrl'>;
  audio: Pick<AudioEngines, 'vad' | 'transcriber' | 'asrStatus' | 'asrHowToInstall'>;
  textReader: { name: string };
  frameTagger: { name: string };
  /** The captioner in use, described (where it runs), or null: template captions. */
  captions: string | null;
  /** The embedder in use, described (where it runs), or null: full-text search only. */
  embeddings: string | null;
  /** The content guard for everyone (the config's policy). */
  guard: () => GuardStatus;
  /** The router's decision for one person (their "Open models only" switch on top of the config). */
  routeFor: (userId: string, request: RouteRequest) => Promise<RouteDecision>;
  /** Whether an npm module can be loaded; by default it is looked for without loading it. */
  isInstalled?: (module: string) => boolean;
}

/** Looks for a module without loading it, as `familiar status` does. */
function moduleInstalled(module: string): boolean {
  return probeEngines([{ name: module, purpose: module, module, hint: '' }])[0]?.available === true;
}

/**
 * What this server can do for one person (`GET /v1/server`): its engines and what each means for their data, where
 * their private asks go, retention and encryption at rest. Unlike `familiar status` it holds nothing about other
 * users, no paths and no key material: it is shown to anyone with a device token or a session.
 */
export function createServerFacts(deps: ServerFactsDeps) {
  const { config, audio, textReader, frameTagger, routeFor, isInstalled = moduleInstalled } = deps;
  const installed = (needs: ModuleNeeds) => needs.modules.every((module) => isInstalled(module));

  function speechRecognition(): ServerEngine {
    if (audio.transcriber)
      return {
        available: true,
        name: audio.asrStatus,
        detail: 'Speech in your audio becomes transcripts you can search and ask about',
        howToInstall: null,
      };
    return {
      available: false,
      name: null,
      detail:
        'Audio is kept and transcribed once a recognizer is installed; until then it waits, queued, and nothing said reaches your memory',
      howToInstall: audio.asrHowToInstall ?? audio.asrStatus,
    };
  }

  function voiceActivity(): ServerEngine {
    if (installed(VOICE_ACTIVITY))
      return {
        available: true,
        name: audio.vad.name,
        detail: 'Finds the speech in your audio, so only speech is transcribed',
        howToInstall: null,
      };
    return {
      available: false,
      name: null,
      detail: 'Audio is kept but not transcribed: finding the speech in it needs this engine',
      howToInstall: VOICE_ACTIVITY.install,
    };
  }

  function textReading(): ServerEngine {
    if (installed(TEXT_READING))
      return {
        available: true,
        name: textReader.name,
        detail: 'Text in your frames (signs, screens, pages) is read, so you can search and ask about it',
        howToInstall: null,
      };
    return { available: false, name: null, detail: FRAMES_UNREAD, howToInstall: TEXT_READING.install };
  }

  function objectsAndFaces(): ServerEngine {
    if (installed(OBJECTS_AND_FACES))
      return {
        available: true,
        name: frameTagger.name,
        detail: 'Objects and faces in your frames are recognised; faces are blurred in the frames kept',
        howToInstall: null,
      };
    return {
      available: false,
      name: null,
      detail: `${FRAMES_UNREAD}, and faces in it are not blurred`,
      howToInstall: OBJECTS_AND_FACES.install,
    };
  }

  function captions(): ServerEngine {
    if (deps.captions)
      return {
        available: true,
        name: deps.captions,
        detail: 'A vision model describes each frame kept in words',
        howToInstall: null,
      };
    return {
      available: false,
      name: null,
      detail:
        'Frames get captions built from the text and objects found in them; no vision model describes them',
      howToInstall:
        'set FAMILIAR_CAPTION_URL and FAMILIAR_CAPTION_MODEL to a vision model behind an OpenAI-compatible API (e.g. http://127.0.0.1:11434/v1 and qwen2.5vl:3b for Ollama), then restart the server',
    };
  }

  function embeddings(): ServerEngine {
    if (deps.embeddings)
      return {
        available: true,
        name: deps.embeddings,
        detail: 'Search finds your moments by meaning as well as by their words',
        howToInstall: null,
      };
    return {
      available: false,
      name: null,
      detail: 'Search finds your moments by their words only (full-text search)',
      howToInstall:
        'set FAMILIAR_EMBEDDER (ollama, openai-compatible or gguf) with FAMILIAR_EMBED_MODEL or FAMILIAR_EMBED_GGUF, then restart the server',
    };
  }

  async function guard(userId: string): Promise<ServerEngine> {
    const status = deps.guard();
    if (status.state === 'off')
      return {
        available: false,
        name: null,
        detail: 'Your questions and the answers are not checked for hazards by a guard model',
        // "off: no guard model (add Llama Guard 3 …)" or "off: <why the configured one cannot take it>".
        howToInstall: status.summary.replace(/^off: no guard model \((.*)\)$/s, '$1').replace(/^off: /, ''),
      };
    const yours = await routeFor(userId, GUARD_ROUTE);
    if (!yours.choice)
      return {
        available: false,
        name: null,
        detail: `No guard model may take your checks (${yours.reason}); while none can check, nothing is answered`,
        howToInstall: null,
      };
    return {
      available: true,
      name: yours.choice,
      detail:
        'Each question and answer is checked for hazard categories S1-S14; when it cannot be, nothing is answered',
      howToInstall: null,
    };
  }

  function encryption(): ServerFacts['encryption'] {
    const key = config.encryption;
    const postgres = config.databaseUrl !== null;
    if (!key)
      return {
        atRest: false,
        database: false,
        media: false,
        keyFrom: null,
        detail: postgres
          ? 'Off: media is stored unencrypted; the database is on a PostgreSQL server, which encrypts its own disk or not'
          : 'Off: the database and media are stored unencrypted',
        howToEnable: postgres
          ? 'set FAMILIAR_KEY or FAMILIAR_KEY_FILE to encrypt media, then restart the server (docs/deploy.md, "Encryption at rest")'
          : 'set FAMILIAR_KEY or FAMILIAR_KEY_FILE to encrypt the database and media, then restart the server (docs/deploy.md, "Encryption at rest")',
      };
    return {
      atRest: true,
      database: !postgres,
      media: true,
      keyFrom: key.file === null ? 'FAMILIAR_KEY' : 'FAMILIAR_KEY_FILE',
      detail: postgres
        ? 'On for media (AES-256-GCM); the database is on a PostgreSQL server, which encrypts its own disk or not'
        : 'On: the database (ChaCha20-Poly1305) and media (AES-256-GCM) are encrypted',
      howToEnable: null,
    };
  }

  return {
    /**
     * The facts as `userId` sees them (all but the version, which the HTTP edge adds): the same engines for
     * everyone, and their own routing decisions.
     */
    async forUser(userId: string): Promise<Omit<ServerFacts, 'version'>> {
      const ask = await routeFor(userId, ASK_ROUTE);
      return {
        engines: {
          speechRecognition: speechRecognition(),
          voiceActivity: voiceActivity(),
          textReading: textReading(),
          objectsAndFaces: objectsAndFaces(),
          captions: captions(),
          embeddings: embeddings(),
          guard: await guard(userId),
        },
        models: { ask: { choice: ask.choice, reason: ask.reason } },
        retention: { audioDays: config.audioRetentionDays, observationDays: { ...config.retention } },
        encryption: encryption(),
      };
    },
  };
}

/** What the server can do for one person, as `GET /v1/server` answers. */
export type ServerFactsService = ReturnType<typeof createServerFacts>;
