import type { ServerFacts } from '@familiar/protocol';

/**
 * What the wearer should know about what the server does with their captures while an engine it needs is missing:
 * audio is kept but not transcribed, frames are kept but not read. Only for what is being captured now; nothing
 * while the server's engines are unknown (null), since nothing can be claimed either way.
 */
export function engineNotices(
  engines: ServerFacts['engines'] | null,
  capturing: { mic: boolean; camera: boolean },
): string[] {
  if (!engines) return [];
  const notices: string[] = [];
  if (capturing.mic && !engines.speechRecognition.available)
    notices.push(
      'Speech recognition is not installed on the server: your audio is stored, but not transcribed until a recognizer is installed.',
    );
  if (capturing.camera && !engines.textReading.available)
    notices.push(
      'Text reading is not installed on the server: your frames are stored, but the text in them is not read.',
    );
  if (capturing.camera && !engines.objectsAndFaces.available)
    notices.push(
      'Object and face detection is not installed on the server: your frames are stored unread, and faces in them are not blurred.',
    );
  return notices;
}
