import type { ServerEngine, ServerFacts } from '@familiar/protocol';
import { describe, expect, it } from 'vitest';
import { engineNotices } from './engine-notices.ts';

const engine = (available: boolean): ServerEngine => ({
  available,
  name: available ? 'an engine' : null,
  detail: available ? 'runs' : 'missing',
  howToInstall: available ? null : 'install it',
});

/** A server with every engine, except those named missing. */
function engines(...missing: Array<keyof ServerFacts['engines']>): ServerFacts['engines'] {
  const all = {
    speechRecognition: engine(true),
    voiceActivity: engine(true),
    textReading: engine(true),
    objectsAndFaces: engine(true),
    captions: engine(true),
    embeddings: engine(true),
    guard: engine(true),
  };
  for (const key of missing) all[key] = engine(false);
  return all;
}

describe('engineNotices', () => {
  it('says audio is stored but not transcribed while the microphone is on and the server has no recognizer', () => {
    const notices = engineNotices(engines('speechRecognition'), { mic: true, camera: false });
    expect(notices).toEqual([
      'Speech recognition is not installed on the server: your audio is stored, but not transcribed until a recognizer is installed.',
    ]);
    // Nothing to say while the microphone is off, or when the camera (whose engines are there) is on.
    expect(engineNotices(engines('speechRecognition'), { mic: false, camera: true })).toEqual([]);
  });

  it('says frames are stored unread while the camera is on and OCR or the tagger is missing', () => {
    const notices = engineNotices(engines('textReading', 'objectsAndFaces'), { mic: true, camera: true });
    expect(notices).toHaveLength(2);
    expect(notices[0]).toContain('the text in them is not read');
    expect(notices[1]).toContain('faces in them are not blurred');
  });

  it('claims nothing while the server has everything, or before its engines are known', () => {
    expect(engineNotices(engines(), { mic: true, camera: true })).toEqual([]);
    expect(engineNotices(engines('captions', 'embeddings', 'guard'), { mic: true, camera: true })).toEqual(
      [],
    );
    expect(engineNotices(null, { mic: true, camera: true })).toEqual([]);
  });
});
