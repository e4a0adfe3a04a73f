import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { MAX_OBSERVATION_TEXT, type ObservationInput, ObservationInputSchema } from '@familiar/protocol';
import { derivedUlid, readJsonLines, toIso, ValidationError } from '../kernel/index.ts';
import type { Actor, Timeline } from '../memory/index.ts';
import { decodeFrame } from '../perception/index.ts';
import { extractVideoFrames } from '../perception/vision/video-frames.ts';
import { addFilePiece, importAudioFile, recordingStart } from './audio-import.ts';

/** Media types of the file extensions `familiar ingest` takes as raw captures. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/opus',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
};

const TEXT_EXTENSIONS = new Set(['.txt', '.md', '.markdown']);

/** What one file added. */
export interface FileIngestResult {
  file: string;
  kind: 'observations' | 'note' | 'capture';
  items: number;
  inserted: number;
  /** Audio captures made from the file (a long recording becomes several), waiting for perception. */
  audioCaptureIds?: string[];
  /** Image captures made from the file (a photo, or a video's frames), waiting for perception. */
  imageCaptureIds?: string[];
}

/** Splits a long note at paragraph (then line, then hard) boundaries so each part fits one observation. */
export function splitNote(text: string, max = MAX_OBSERVATION_TEXT): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'));
    const at = cut > max / 2 ? cut : max;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at);
  }
  if (rest.trim()) parts.push(rest.trim());
  return parts.filter(Boolean);
}

/**
 * `familiar ingest`: JSONL files of observations (validated whole, then stored in one transaction), text and Markdown
 * notes (one `note`, captured at the file's modification time), and media files (pending captures). Ids derive from
 * the content, so ingesting the same file again adds nothing.
 */
export function createFileIngest(deps: { timeline: Timeline }) {
  const { timeline } = deps;

  async function ingestJsonl(
    actor: Actor,
    path: string,
    onItems: (n: number) => void,
  ): Promise<FileIngestResult> {
    const { rows: inputs, problems } = await readJsonLines(path, ObservationInputSchema);
    if (problems.length > 0) {
      throw new ValidationError(`${path} has invalid lines; nothing from it was stored`, problems);
    }
    // One transaction for the whole file: a conflict anywhere stores nothing from it.
    const { inserted } = await timeline.ingest(actor, inputs);
    onItems(inputs.length);
    return { file: path, kind: 'observations', items: inputs.length, inserted };
  }

  async function ingestNote(actor: Actor, path: string): Promise<FileIngestResult> {
    const text = readFileSync(path, 'utf8');
    const capturedAt = Math.floor(statSync(path).mtimeMs);
    const parts = splitNote(text.trim());
    const inputs: ObservationInput[] = parts.map((part, index) => ({
      id: derivedUlid(
        capturedAt,
        `note:${resolve(path)}:${index}:${createHash('sha256').update(part).digest('hex')}`,
      ),
      modality: 'note',
      capturedAt: toIso(capturedAt),
      text: part,
    }));
    if (inputs.length === 0) return { file: path, kind: 'note', items: 0, inserted: 0 };
    const { inserted } = await timeline.ingest(actor, inputs);
    return { file: path, kind: 'note', items: inputs.length, inserted };
  }

  async function ingestMedia(
    actor: Actor,
    path: string,
    mediaType: string,
    options: { capturedAt?: number },
  ): Promise<FileIngestResult> {
    const bytes = readFileSync(path);
    if (mediaType.startsWith('image/')) {
      // A photo that cannot be seen (a PDF renamed .jpg, a corrupt or gigantic image) is refused before it is stored.
      await decodeFrame(bytes);
    }
    const capturedAt = options.capturedAt ?? Math.floor(statSync(path).mtimeMs);
    const id = derivedUlid(capturedAt, `capture:${createHash('sha256').update(bytes).digest('hex')}`);
    const { capture, created } = await timeline.addCapture(actor, { bytes, mediaType, capturedAt, id });
    if (mediaType.startsWith('image/')) {
      return {
        file: path,
        kind: 'capture',
        items: 1,
        inserted: created ? 1 : 0,
        imageCaptureIds: [capture.id],
      };
    }
    return { file: path, kind: 'capture', items: 1, inserted: created ? 1 : 0 };
  }

  return {
    /** Checks that every file exists and is of a known kind before any is read. */
    plan(
      paths: readonly string[],
    ): Array<{ path: string; kind: 'jsonl' | 'note' | 'media'; mediaType?: string; bytes: number }> {
      return paths.map((path) => {
        let size: number;
        try {
          const info = statSync(path);
          if (!info.isFile()) throw new ValidationError(`${path} is not a file`);
          size = info.size;
        } catch (error) {
          if (error instanceof ValidationError) throw error;
          throw new ValidationError(`${path} does not exist or cannot be read`);
        }
        const extension = extname(path).toLowerCase();
        if (extension === '.jsonl' || extension === '.ndjson')
          return { path, kind: 'jsonl' as const, bytes: size };
        if (TEXT_EXTENSIONS.has(extension)) return { path, kind: 'note' as const, bytes: size };
        const mediaType = MEDIA_TYPES[extension];
        if (mediaType) return { path, kind: 'media' as const, mediaType, bytes: size };
        throw new ValidationError(
          `${basename(path)}: Familiar does not know what to do with "${extension || 'no extension'}" files (it takes .jsonl, .txt, .md and ${Object.keys(MEDIA_TYPES).join(' ')})`,
        );
      });
    },
    async ingestFile(
      actor: Actor,
      file: { path: string; kind: 'jsonl' | 'note' | 'media'; mediaType?: string },
      onItems: (n: number) => void = () => {},
      options: { capturedAt?: number; fps?: number } = {},
    ): Promise<FileIngestResult> {
      if (file.kind === 'jsonl') return ingestJsonl(actor, file.path, onItems);
      if (file.kind === 'media' && file.mediaType?.startsWith('video/')) {
        const start = await recordingStart(file.path, options.capturedAt);
        const imageCaptureIds: string[] = [];
        let created = 0;
        for await (const frame of extractVideoFrames(file.path, { fps: options.fps ?? 1 })) {
          const result = await addFilePiece(timeline, actor, {
            path: file.path,
            kind: 'video',
            startAt: start.at,
            offsetMs: frame.offsetMs,
            bytes: frame.jpeg,
            mediaType: 'image/jpeg',
          });
          imageCaptureIds.push(result.capture.id);
          if (result.created) created += 1;
          onItems(1);
        }
        return {
          file: file.path,
          kind: 'capture',
          items: imageCaptureIds.length,
          inserted: created,
          imageCaptureIds,
        };
      }
      if (file.kind === 'media' && file.mediaType?.startsWith('audio/')) {
        const audio = await importAudioFile(timeline, actor, file.path, options);
        onItems(audio.captureIds.length);
        return {
          file: file.path,
          kind: 'capture',
          items: audio.captureIds.length,
          inserted: audio.created,
          audioCaptureIds: audio.captureIds,
        };
      }
      const result =
        file.kind === 'note'
          ? await ingestNote(actor, file.path)
          : await ingestMedia(actor, file.path, file.mediaType!, options);
      onItems(result.items);
      return result;
    },
  };
}
