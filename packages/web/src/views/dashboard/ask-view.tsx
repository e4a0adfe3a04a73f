import { describeError } from '../../api/index.ts';
import { ExchangeItem, QuestionForm, useExchanges } from '../exchanges.tsx';
import { useDashboard } from './dashboard-context.ts';

/** Ask: questions about the timeline, answered as they are written (SSE) with the moments they cite. */
export function AskView() {
  const { api } = useDashboard();
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
      <QuestionForm id="ask-question" class="row sticky-bottom" onAsk={(text) => void ask(text)} />
    </>
  );
}
