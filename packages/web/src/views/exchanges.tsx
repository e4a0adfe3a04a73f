import type { Citation } from '@familiar/protocol';
import { useRef, useState } from 'preact/hooks';
import type { FamiliarApi } from '../api/index.ts';
import { AnswerView } from './answer-view.tsx';

/** One question and its answer as it arrives: the words so far, the moments cited, and how it ended. */
export interface Exchange {
  id: number;
  question: string;
  text: string;
  citations: Citation[];
  model: string | null | undefined;
  status: 'asking' | 'done' | 'failed';
  error?: string;
}

/**
 * The questions of a view and their answers: `start` adds a question (newest last, or first with `newestFirst`)
 * and returns its id; `update` changes one as its answer arrives.
 */
export function useExchanges({ newestFirst = false }: { newestFirst?: boolean } = {}) {
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const nextId = useRef(1);
  const start = (question: string): number => {
    const id = nextId.current++;
    const added: Exchange = { id, question, text: '', citations: [], model: undefined, status: 'asking' };
    setExchanges((list) => (newestFirst ? [added, ...list] : [...list, added]));
    return id;
  };
  const update = (id: number, change: Partial<Exchange>): void =>
    setExchanges((list) => list.map((item) => (item.id === id ? { ...item, ...change } : item)));
  return { exchanges, start, update };
}

/** One question with its answer (or why it failed), as a list item. */
export function ExchangeItem({ api, exchange }: { api: FamiliarApi; exchange: Exchange }) {
  return (
    <li class="exchange">
      <p class="question">{exchange.question}</p>
      {exchange.status === 'failed' ? (
        <p class="notice notice-error" role="alert">
          {exchange.error}
        </p>
      ) : (
        <AnswerView
          api={api}
          text={exchange.text}
          citations={exchange.citations}
          model={exchange.model}
          streaming={exchange.status === 'asking'}
        />
      )}
    </li>
  );
}

/** The typed-question form of Ask and device mode: a labelled box and an Ask button; `onAsk` gets the trimmed text. */
export function QuestionForm({
  id,
  class: className = 'row',
  onAsk,
}: {
  /** The input's id (unique on the page). */
  id: string;
  class?: string;
  onAsk: (question: string) => void;
}) {
  const [question, setQuestion] = useState('');
  return (
    <form
      class={className}
      onSubmit={(event) => {
        event.preventDefault();
        const text = question.trim();
        if (!text) return;
        setQuestion('');
        onAsk(text);
      }}
    >
      <label class="visually-hidden" for={id}>
        Your question
      </label>
      <input
        id={id}
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
  );
}
