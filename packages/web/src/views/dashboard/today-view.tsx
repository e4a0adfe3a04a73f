import type { EpisodeSummary, Observation } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { addDays, dayKey, dayRange, formatDay, formatMoment, parseDayKey } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

/** Today (or another day): the day's episodes with frame thumbnails and what was said, back and forth by day. */
export function TodayView() {
  const { api } = useDashboard();
  const [day, setDay] = useState(
    () => parseDayKey(new URLSearchParams(location.search).get('day')) ?? new Date(),
  );
  const [episodes, reload] = useLoad(() => api.episodes.list(dayRange(day)), [dayKey(day)]);
  const isToday = dayKey(day) === dayKey(new Date());

  const go = (days: number): void => {
    const next = addDays(day, days);
    setDay(next);
    history.replaceState(
      null,
      '',
      dayKey(next) === dayKey(new Date()) ? '/today' : `/today?day=${dayKey(next)}`,
    );
  };

  return (
    <>
      <div class="row spread">
        <h1>{isToday ? 'Today' : formatDay(day)}</h1>
        <nav class="row" aria-label="Day">
          <button type="button" onClick={() => go(-1)}>
            ← Previous day
          </button>
          <button type="button" onClick={() => go(1)} disabled={isToday}>
            Next day →
          </button>
        </nav>
      </div>
      {isToday && <p class="muted">{formatDay(day)}</p>}
      <LoadStates
        state={episodes}
        retry={reload}
        isEmpty={(data) => data.episodes.length === 0}
        empty="Nothing was captured on this day. Moments appear here a few seconds after a device sends them."
      >
        {(data) => (
          <ol class="plain">
            {data.episodes.map((episode) => (
              <EpisodeCard key={episode.id} episode={episode} onChanged={reload} />
            ))}
          </ol>
        )}
      </LoadStates>
    </>
  );
}

function EpisodeCard({ episode, onChanged }: { episode: EpisodeSummary; onChanged: () => void }) {
  const { api } = useDashboard();
  const [detail, reload] = useLoad(
    () => api.episodes.get(episode.id),
    [episode.id, episode.observationCount],
  );
  const [error, setError] = useState<string | null>(null);

  const forget = async (observation: Observation): Promise<void> => {
    if (!confirm('Forget this moment for good? Its media and the facts that only it supported go too.'))
      return;
    try {
      await api.observations.remove(observation.id);
      reload();
      onChanged();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <li class="card episode">
      <h2>{episode.title}</h2>
      <p class="muted small">
        <time dateTime={episode.startedAt}>{formatMoment(episode.startedAt)}</time> –{' '}
        <time dateTime={episode.endedAt}>{formatMoment(episode.endedAt)}</time> · {episode.observationCount}{' '}
        moments
      </p>
      {episode.summary && episode.summary !== episode.title && <p>{episode.summary}</p>}
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      <LoadStates
        state={detail}
        retry={reload}
        isEmpty={(data) => data.observations.length === 0}
        empty="The moments of this episode were forgotten."
      >
        {(data) => (
          <ul class="moments">
            {data.observations.slice(0, 24).map((observation) => (
              <li key={observation.id} class={`moment moment-${observation.modality}`}>
                {observation.modality === 'frame' && observation.captureId && (
                  <FrameThumbnail
                    captureId={observation.captureId}
                    text={observation.text}
                    at={observation.capturedAt}
                  />
                )}
                <p class="small">
                  <time dateTime={observation.capturedAt}>{formatMoment(observation.capturedAt)}</time> ·{' '}
                  {observation.modality === 'utterance'
                    ? 'heard'
                    : observation.modality === 'frame'
                      ? 'seen'
                      : observation.modality}
                </p>
                <p class="snippet">{snippet(observation.text)}</p>
                <button
                  type="button"
                  class="link-button small"
                  onClick={() => void forget(observation)}
                  aria-label={`Forget the moment at ${formatMoment(observation.capturedAt)}`}
                >
                  Forget
                </button>
              </li>
            ))}
          </ul>
        )}
      </LoadStates>
    </li>
  );
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 180 ? `${flat.slice(0, 177)}…` : flat || '(no text)';
}

/** A frame's thumbnail through a fresh signed media link. */
function FrameThumbnail({ captureId, text, at }: { captureId: string; text: string; at: string }) {
  const { api } = useDashboard();
  const [capture] = useLoad(() => api.captures.get(captureId), [captureId]);
  if (capture.kind !== 'loaded') return <div class="thumb thumb-empty" aria-hidden="true" />;
  const src = api.url(capture.data.mediaUrl);
  return (
    <a href={src} target="_blank" rel="noreferrer" class="thumb-link">
      <img class="thumb" src={src} loading="lazy" alt={`Frame at ${formatMoment(at)}: ${snippet(text)}`} />
    </a>
  );
}
