import type { FactWire, Observation } from '@familiar/protocol';
import { useState } from 'preact/hooks';
import { describeError, type ForgetDependents, type SearchMoment } from '../../api/index.ts';
import { formatMoment } from '../../app/format.ts';
import { useDashboard } from './dashboard-context.ts';
import { LoadStates } from './load-states.tsx';
import { useLoad } from './use-load.ts';

const MODALITY_LABELS: Record<Observation['modality'], string> = {
  utterance: 'heard',
  frame: 'seen',
  note: 'note',
  chat: 'chat',
  location: 'place',
  event: 'event',
};

/** Memory: search what was captured, correct a fact, and forget a moment after seeing what goes with it. */
export function MemoryView() {
  const { api } = useDashboard();
  const [query, setQuery] = useState(() => new URLSearchParams(location.search).get('q') ?? '');
  const [draft, setDraft] = useState(query);
  const [forgotten, setForgotten] = useState<string | null>(null);
  // Forgotten moments leave the list at once, before the search runs again.
  const [gone, setGone] = useState<ReadonlySet<string>>(() => new Set());
  const [results, reload] = useLoad(
    async () => (query ? { moments: await api.search(query), facts: await api.facts.search(query) } : null),
    [query],
  );

  const search = (event: Event): void => {
    event.preventDefault();
    const next = draft.trim();
    setForgotten(null);
    setQuery(next);
    history.replaceState(null, '', next ? `/memory?q=${encodeURIComponent(next)}` : '/memory');
  };

  return (
    <>
      <h1>Memory</h1>
      <form class="row" aria-label="Memory search" onSubmit={search}>
        <label for="memory-query" class="visually-hidden">
          Search your memory
        </label>
        <input
          id="memory-query"
          class="grow"
          type="search"
          value={draft}
          placeholder="What was the wine at dinner?"
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
      {forgotten && (
        <p class="notice">
          <output>{forgotten}</output>
        </p>
      )}
      {query === '' ? (
        <p class="muted">
          Search everything your devices heard and saw and what you wrote. Each moment can be forgotten; facts
          learned from it can be corrected.
        </p>
      ) : (
        <LoadStates
          state={results}
          retry={reload}
          isEmpty={(data) => !data || (data.moments.moments.length === 0 && data.facts.facts.length === 0)}
          empty={`Nothing in your memory matches “${query}”.`}
        >
          {(data) =>
            data && (
              <>
                <h2>Moments</h2>
                {data.moments.moments.every((moment) => gone.has(moment.observation.id)) ? (
                  <p class="empty">No moment matches.</p>
                ) : (
                  <ul class="plain">
                    {data.moments.moments
                      .filter((moment) => !gone.has(moment.observation.id))
                      .map((moment) => (
                        <MomentCard
                          key={moment.observation.id}
                          moment={moment}
                          onForgotten={(message) => {
                            setGone((current) => new Set([...current, moment.observation.id]));
                            setForgotten(message);
                            reload();
                          }}
                        />
                      ))}
                  </ul>
                )}
                <h2>Facts</h2>
                {data.facts.facts.length === 0 ? (
                  <p class="empty">No fact mentions “{query}”.</p>
                ) : (
                  <ul class="plain">
                    {data.facts.facts.map((fact) => (
                      <FactCard key={fact.id} fact={fact} onCorrected={reload} />
                    ))}
                  </ul>
                )}
              </>
            )
          }
        </LoadStates>
      )}
    </>
  );
}

function MomentCard({
  moment,
  onForgotten,
}: {
  moment: SearchMoment;
  onForgotten: (message: string) => void;
}) {
  const { api } = useDashboard();
  const { observation } = moment;
  const [preview, setPreview] = useState<ForgetDependents | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const when = formatMoment(observation.capturedAt);

  const ask = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      setPreview(await api.observations.dependents(observation.id));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  const forget = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      await api.observations.remove(observation.id);
      onForgotten(`The moment at ${when} was forgotten, with what went with it.`);
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <li class="card">
      <div class="row">
        {observation.modality === 'frame' && moment.mediaUrl && (
          <a href={api.url(moment.mediaUrl)} target="_blank" rel="noreferrer" class="thumb-link">
            <img
              class="thumb"
              src={api.url(moment.mediaUrl)}
              loading="lazy"
              alt={`Frame at ${when}: ${snippet(observation.text)}`}
            />
          </a>
        )}
        <div class="grow">
          <p class="small muted">
            <time dateTime={observation.capturedAt}>{when}</time> · {MODALITY_LABELS[observation.modality]}
          </p>
          <p class="snippet">{snippet(observation.text)}</p>
        </div>
      </div>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {preview ? (
        <ForgetConfirmation
          preview={preview}
          when={when}
          busy={busy}
          onConfirm={() => void forget()}
          onCancel={() => setPreview(null)}
        />
      ) : (
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() => void ask()}
          aria-label={`Forget the moment at ${when}…`}
        >
          Forget…
        </button>
      )}
    </li>
  );
}

/** What else goes with a moment, and the buttons to forget it for good or keep it. */
function ForgetConfirmation({
  preview,
  when,
  busy,
  onConfirm,
  onCancel,
}: {
  preview: ForgetDependents;
  when: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  // Each line is keyed by the id of what it is about (a fact, an episode, an item, an entry).
  const lines: Array<[string, string]> = [
    ...preview.facts.removed.map((fact): [string, string] => [
      fact.id,
      `The fact “${fact.statement}” is deleted.`,
    ]),
    ...preview.facts.restored.map((fact): [string, string] => [
      fact.id,
      `The older fact “${fact.statement}” becomes true again.`,
    ]),
    ...preview.facts.keptWithOtherSources.map((fact): [string, string] => [
      fact.id,
      `The fact “${fact.statement}” stays: other moments support it.`,
    ]),
    ...preview.episodes.removed.map((episode): [string, string] => [
      episode.id,
      `The episode “${episode.title}” is deleted.`,
    ]),
    ...preview.episodes.shrunk.map((episode): [string, string] => [
      episode.id,
      `The episode “${episode.title}” keeps its other ${plural(episode.observationCount - 1, 'moment')}.`,
    ]),
    ...preview.inbox.removed.map((item): [string, string] => [
      item.id,
      `The inbox item “${item.title}” is deleted.`,
    ]),
    ...preview.progress.removed.map(({ entry, goal }): [string, string] => [
      entry.id,
      `Progress of ${entry.amount} ${entry.unit} on “${goal.title}” is removed.`,
    ]),
  ];
  const media = preview.observation.captureId
    ? ' Its media file is deleted too unless another moment uses it.'
    : '';
  return (
    <section class="notice notice-warn" aria-label={`Forget the moment at ${when}`}>
      <p>
        <strong>Forget this moment for good?</strong> It cannot be undone.{media}
      </p>
      {lines.length === 0 ? (
        <p>Nothing else was learned from it.</p>
      ) : (
        <>
          <p>What else goes with it:</p>
          <ul>
            {lines.map(([key, line]) => (
              <li key={key}>{line}</li>
            ))}
          </ul>
        </>
      )}
      <div class="row">
        <button type="button" disabled={busy} onClick={onConfirm}>
          Forget for good
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={onCancel}>
          Keep it
        </button>
      </div>
    </section>
  );
}

/** A fact with its correction form: the person's words replace the learned ones (the old fact is kept, superseded). */
function FactCard({ fact, onCorrected }: { fact: FactWire; onCorrected: () => void }) {
  const { api } = useDashboard();
  const [editing, setEditing] = useState(false);
  const [object, setObject] = useState(fact.object);
  const [statement, setStatement] = useState(fact.statement);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const correction = {
      ...(object.trim() !== fact.object ? { object: object.trim() } : {}),
      ...(statement.trim() !== fact.statement ? { statement: statement.trim() } : {}),
    };
    if (Object.keys(correction).length === 0) {
      setEditing(false);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.facts.correct(fact.id, correction);
      setEditing(false);
      onCorrected();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li class="card">
      <p>{fact.statement}</p>
      <p class="small muted">
        {fact.origin === 'person'
          ? 'your correction'
          : `learned from ${plural(fact.sources.length, 'moment')}`}{' '}
        · <time dateTime={fact.observedAt}>{formatMoment(fact.observedAt)}</time>
      </p>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
      {editing ? (
        <form class="stack" onSubmit={(e) => void save(e)}>
          <label for={`fact-object-${fact.id}`}>
            {fact.subject} · {fact.predicate.replace(/_/g, ' ')}
          </label>
          <input
            id={`fact-object-${fact.id}`}
            value={object}
            required
            onInput={(e) => setObject(e.currentTarget.value)}
          />
          <label for={`fact-statement-${fact.id}`}>As a sentence</label>
          <input
            id={`fact-statement-${fact.id}`}
            value={statement}
            required
            onInput={(e) => setStatement(e.currentTarget.value)}
          />
          <div class="row">
            <button type="submit" disabled={busy}>
              Save correction
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" class="link-button" onClick={() => setEditing(true)}>
          Correct
        </button>
      )}
    </li>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 240 ? `${flat.slice(0, 237)}…` : flat || '(no text)';
}
