import { useState } from 'preact/hooks';
import { describeError } from '../../api/index.ts';
import { ExchangeItem, useExchanges } from '../exchanges.tsx';
import { useDashboard } from './dashboard-context.ts';

/** Ask: questions about the timeline, answered as they are written (SSE) with the moments they cite. */
export function AskView() {
  const { api } = useDashboard();
  const [question, setQuestion] = useState('');
  const { exchanges: turns, start, update } = useExchanges();

  const ask = async (text: string): Promise<void> => {
    const id = start(text);
    let written = '';
    try {
      const answer = await api.askStream(text, (event) => {
        if (event.event === 'retrieved') update(id, { citations: event.data.citations });
        if (event.event === 'delta') {
          written += event.data.text;
          update(id, { text: written });
        }
      });
      update(id, { text: answer.answer, citations: answer.citations, model: answer.model, status: 'done' });
    } catch (error) {
      update(id, { status: 'failed', error: describeError(error) });
    }
  };

  return (
    <>
      <h1>Ask</h1>
      {turns.length === 0 && (
        <p class="muted">Ask about anything you saw, heard or wrote: “where did I leave the keys?”</p>
      )}
      <ol class="plain chat" aria-live="polite">
        {turns.map((turn) => (
          <ExchangeItem key={turn.id} api={api} exchange={turn} />
        ))}
      </ol>
      <form
        class="row sticky-bottom"
        onSubmit={(event) => {
          event.preventDefault();
          const text = question.trim();
          if (!text) return;
          setQuestion('');
          void ask(text);
        }}
      >
        <label class="visually-hidden" for="ask-question">
          Your question
        </label>
        <input
          id="ask-question"
          class="grow"
          value={question}
          maxLength={2000}
          placeholder="What did Sam say about the deadline?"
          onInput={(e) => setQuestion(e.currentTarget.value)}
        />
        <button type="submit" disabled={!question.trim()}>
          Ask
        </button>
      </form>
    </>
  );
}
