import type { DeviceClient } from '@familiar/device-sdk';
import { useRef, useState } from 'preact/hooks';
import { describeError, type FamiliarApi } from '../../api/index.ts';
import { describeMediaError } from '../../capture/index.ts';
import { ExchangeItem, QuestionForm, useExchanges } from '../exchanges.tsx';
import { type Recording, recordQuestion, transcribeOnServer } from './push-to-talk.ts';
import { canSpeak, speak, stopSpeaking } from './speech.ts';

type TalkState =
  | { kind: 'idle' }
  | { kind: 'recording' }
  | { kind: 'transcribing' }
  | { kind: 'failed'; message: string };

const SPEAK_KEY = 'familiar.speakAnswers';

/** Typed and spoken questions, with answers shown as they arrive, cited, and read aloud when the person wants. */
export function AskPanel({
  api,
  client,
  online,
  paused,
}: {
  api: FamiliarApi;
  client: DeviceClient | null;
  online: boolean;
  paused: boolean;
}) {
  const { exchanges, start, update } = useExchanges({ newestFirst: true });
  const [talk, setTalk] = useState<TalkState>({ kind: 'idle' });
  const [speakAnswers, setSpeakAnswers] = useState(
    () => canSpeak() && localStorage.getItem(SPEAK_KEY) !== 'off',
  );
  const recording = useRef<Recording | null>(null);
  const starting = useRef<Promise<void> | null>(null);

  const ask = async (text: string): Promise<void> => {
    const id = start(text);
    try {
      let streamed = '';
      const answer =
        client && online
          ? await client.ask(text, {
              timeoutMs: 120_000,
              onDelta: (piece) => {
                streamed += piece;
                update(id, { text: streamed });
              },
            })
          : await api.ask(text);
      update(id, { text: answer.answer, citations: answer.citations, model: answer.model, status: 'done' });
      if (speakAnswers) speak(answer.answer);
    } catch (error) {
      update(id, { status: 'failed', error: describeError(error) });
    }
  };

  const startTalking = (): void => {
    if (recording.current || starting.current || paused) return;
    stopSpeaking();
    setTalk({ kind: 'recording' });
    starting.current = recordQuestion().then(
      (started) => {
        recording.current = started;
      },
      (error: unknown) =>
        setTalk({ kind: 'failed', message: describeMediaError(error, 'microphone').message }),
    );
  };

  const stopTalking = async (): Promise<void> => {
    const pending = starting.current;
    if (!pending) return;
    await pending;
    starting.current = null;
    const current = recording.current;
    recording.current = null;
    if (!current) return;
    const { wav, seconds } = await current.finish();
    if (seconds < 0.4) {
      setTalk({ kind: 'failed', message: 'That was too short: hold the button while you speak.' });
      return;
    }
    setTalk({ kind: 'transcribing' });
    try {
      const words = await transcribeOnServer(api, { wav, startedAt: current.startedAt });
      setTalk({ kind: 'idle' });
      await ask(words);
    } catch (error) {
      setTalk({ kind: 'failed', message: describeError(error) });
    }
  };

  const toggleSpeech = (on: boolean): void => {
    setSpeakAnswers(on);
    localStorage.setItem(SPEAK_KEY, on ? 'on' : 'off');
    if (!on) stopSpeaking();
  };

  const talkLabel =
    talk.kind === 'recording'
      ? 'Listening… release to send'
      : talk.kind === 'transcribing'
        ? 'Hearing it…'
        : 'Hold to talk';

  return (
    <section class="card" aria-labelledby="ask-heading">
      <h2 id="ask-heading">Ask</h2>
      <QuestionForm id="device-question" class="row" onAsk={(text) => void ask(text)} />
      <div class="row">
        <button
          type="button"
          class={`talk ${talk.kind === 'recording' ? 'talk-on' : ''}`}
          aria-pressed={talk.kind === 'recording'}
          disabled={paused || talk.kind === 'transcribing'}
          onPointerDown={(event) => {
            event.currentTarget.setPointerCapture(event.pointerId);
            startTalking();
          }}
          onPointerUp={() => void stopTalking()}
          onPointerCancel={() => void stopTalking()}
          onKeyDown={(event) => {
            if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
              event.preventDefault();
              startTalking();
            }
          }}
          onKeyUp={(event) => {
            if (event.key === ' ' || event.key === 'Enter') {
              event.preventDefault();
              void stopTalking();
            }
          }}
          onContextMenu={(event) => event.preventDefault()}
        >
          {talkLabel}
        </button>
        <label class="toggle">
          <input
            type="checkbox"
            checked={speakAnswers}
            disabled={!canSpeak()}
            onChange={(e) => toggleSpeech(e.currentTarget.checked)}
          />
          Read answers aloud
        </label>
      </div>
      {paused && (
        <p class="muted small">Spoken questions are off while capture is paused; typed ones still work.</p>
      )}
      {!canSpeak() && <p class="muted small">This browser cannot read answers aloud.</p>}
      {talk.kind === 'failed' && (
        <p class="notice notice-error" role="alert">
          {talk.message}
        </p>
      )}
      <ul class="exchanges" aria-live="polite">
        {exchanges.map((item) => (
          <ExchangeItem key={item.id} api={api} exchange={item} />
        ))}
      </ul>
    </section>
  );
}
