import type { Citation } from '@familiar/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError, type FamiliarApi } from '../api/index.ts';
import { formatMoment } from '../app/format.ts';

const MODALITY_LABELS: Record<Citation['modality'], string> = {
  utterance: 'heard',
  frame: 'seen',
  note: 'note',
  chat: 'chat',
  location: 'place',
  event: 'event',
};

/** An answer with the moments it cites; a frame citation opens the frame, a heard one plays its audio. */
export function AnswerView({
  api,
  text,
  citations,
  model,
  streaming = false,
}: {
  api: FamiliarApi;
  text: string;
  citations: readonly Citation[];
  /** The model that wrote it; null for an extractive answer; undefined while unknown. */
  model?: string | null;
  streaming?: boolean;
}) {
  return (
    <div class="answer">
      <p class="answer-text" aria-busy={streaming}>
        {text || (streaming ? 'Thinking…' : '')}
      </p>
      {model === null && (
        <p class="muted small">
          No language model answered: these are the moments quoted as they were captured.
        </p>
      )}
      {model && <p class="muted small">Written by {model}, from the moments below.</p>}
      {citations.length > 0 && (
        <ol class="citations" aria-label="Sources">
          {citations.map((citation) => (
            <CitationItem key={citation.id} api={api} citation={citation} />
          ))}
        </ol>
      )}
    </div>
  );
}

function CitationItem({ api, citation }: { api: FamiliarApi; citation: Citation }) {
  const [open, setOpen] = useState(false);
  const when = formatMoment(citation.capturedAt);
  const media = citation.mediaUrl ? api.url(citation.mediaUrl) : null;
  return (
    <li class="citation">
      <p class="citation-head">
        {citation.ref !== undefined && <span class="ref">[{citation.ref}]</span>}{' '}
        <time dateTime={citation.capturedAt}>{when}</time> · {MODALITY_LABELS[citation.modality]}
      </p>
      <p class="citation-text">{citation.text}</p>
      {media && citation.modality === 'frame' && (
        <>
          <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide the frame' : 'Open the frame'}
          </button>
          {open && (
            <img class="frame-full" src={media} alt={`What the camera saw at ${when}: ${citation.text}`} />
          )}
        </>
      )}
      {media && citation.modality === 'utterance' && (
        <SegmentPlayer api={api} citation={citation} src={media} />
      )}
    </li>
  );
}

/** Plays the stretch of a recording an utterance came from (its span), or the whole recording when none is known. */
function SegmentPlayer({ api, citation, src }: { api: FamiliarApi; citation: Citation; src: string }) {
  const audio = useRef<HTMLAudioElement | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  useEffect(() => () => audio.current?.pause(), []);

  const play = async (): Promise<void> => {
    setError(null);
    try {
      const observation = await api.observations.get(citation.id);
      const span = observation.details?.span;
      const element = audio.current ?? new Audio(src);
      audio.current = element;
      element.currentTime = span ? span.startMs / 1000 : 0;
      element.ontimeupdate = () => {
        if (span && element.currentTime * 1000 >= span.endMs) element.pause();
      };
      element.onpause = () => setPlaying(false);
      element.onended = () => setPlaying(false);
      await element.play();
      setPlaying(true);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <>
      <button
        type="button"
        class="link-button"
        onClick={() => (playing ? audio.current?.pause() : void play())}
      >
        {playing ? 'Stop' : 'Play what was said'}
      </button>
      {error && (
        <p class="notice notice-error small" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
