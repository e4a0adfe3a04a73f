import { describe, expect, it } from 'vitest';
import { runnerOver } from '../../../test/support/mock-models.ts';
import { createSilentLogger } from '../../kernel/index.ts';
import { createInMemoryActionStore, parseReminder } from '../inbox/index.ts';
import { createChat, OFFLINE_NOTE } from './chat.ts';
import { matchChatRule, parseSnoozeUntil, WITHOUT_MODEL_NOTE } from './chat-rules.ts';
import { createFakeChatToolDeps, fakeGoalProgress, fakeInboxItem } from './fake-chat-tool-deps.ts';

/** Monday 2 March 2026, 10:00 in London (GMT). */
const NOW = Date.parse('2026-03-02T10:00:00Z');
const ZONE = 'Europe/London';
const actor = { userId: 'user-1', label: 'cli', timezone: ZONE };
const at = (iso: string) => Date.parse(iso);

function offline(options: { realReminderParser?: boolean } = {}) {
  const clock = { now: () => NOW };
  const { runner, audit } = runnerOver(null);
  const actions = createInMemoryActionStore({ clock });
  const fake = createFakeChatToolDeps({
    goals: [
      fakeGoalProgress(
        { id: 'goal-run', title: 'Run a 10k', activity: 'run' },
        '6 of 10 km (longest run): on pace',
      ),
      fakeGoalProgress(
        {
          id: 'goal-read',
          title: 'Read 12 books this year',
          activity: 'read',
          target: { amount: 12, unit: 'books', counting: 'sum', period: null },
        },
        '2 of 12 books: behind pace',
      ),
    ],
    inbox: [
      fakeInboxItem({ id: 'item-milk', title: 'Buy milk', due: at('2026-03-02T18:00:00Z') }),
      fakeInboxItem({
        id: 'item-deck',
        kind: 'commitment',
        title: 'Send Sam the deck',
        due: at('2026-03-03T17:00:00Z'),
      }),
      fakeInboxItem({ id: 'item-call-sam', title: 'Call Sam about the trip', due: null }),
      fakeInboxItem({ id: 'item-bills', title: 'Pay the bills', due: at('2026-03-01T09:00:00Z') }),
    ],
    moments: [
      { id: 'obs-1', capturedAt: at('2026-02-24T09:00:00Z'), text: 'Ana: the dentist moved to Friday' },
    ],
  });
  const door = createChat({
    runner,
    tools: options.realReminderParser ? { ...fake.deps, parseReminder } : fake.deps,
    actions,
    audit,
    clock,
    newId: () => '01ACTION1',
    logger: createSilentLogger(),
  });
  // Every reply by a command rule ends with the offline note (the `ask` rule's answer carries the longer one); the
  // tests below compare the reply without it.
  const chat = {
    ...door,
    async chat(...args: Parameters<typeof door.chat>) {
      const reply = await door.chat(...args);
      if (reply.rule === 'ask') return reply;
      expect(reply.reply.endsWith(`\n\n${OFFLINE_NOTE}`)).toBe(true);
      return { ...reply, reply: reply.reply.slice(0, -(OFFLINE_NOTE.length + 2)) };
    },
  };
  return { chat, fake, actions, audit };
}

const callsNamed = (fake: ReturnType<typeof createFakeChatToolDeps>, name: string) =>
  fake.calls.filter((call) => call.name === name).map((call) => call.args);

describe('chat rules without a model', () => {
  it('adds a reminder from "remind me to … when"', async () => {
    const { chat, fake } = offline();
    const reply = await chat.chat(actor, 'Remind me to call the plumber tomorrow at 9am');
    expect(reply).toMatchObject({
      model: null,
      rule: 'remind',
      toolCalls: [{ name: 'add_reminder', tier: 'local_write', status: 'ran' }],
    });
    expect(callsNamed(fake, 'addReminder')).toEqual([
      { title: 'call the plumber', due: at('2026-03-03T09:00:00Z') },
    ]);
    expect(reply.reply).toBe("OK, I'll remind you to call the plumber on Tue 3 Mar 2026, 09:00.");
  });

  it('reads reminders with the inbox reminder parser', async () => {
    const { chat, fake } = offline({ realReminderParser: true });
    const reply = await chat.chat(actor, 'remind me to buy milk tomorrow at 9am');
    expect(reply).toMatchObject({ rule: 'remind', toolCalls: [{ name: 'add_reminder', status: 'ran' }] });
    expect(callsNamed(fake, 'addReminder')).toEqual([{ title: 'Buy milk', due: at('2026-03-03T09:00:00Z') }]);
  });

  it('lists the goals with their progress', async () => {
    const { chat } = offline();
    const reply = await chat.chat(actor, 'What are my goals?');
    expect(reply.rule).toBe('list_goals');
    expect(reply.reply).toBe(
      'Your goals (2):\n- Run a 10k: 6 of 10 km (longest run): on pace\n- Read 12 books this year: 2 of 12 books: behind pace',
    );
  });

  it('says how a goal is going from the words of the question', async () => {
    const { chat } = offline();
    expect((await chat.chat(actor, 'How am I doing on reading?')).reply).toBe(
      'Read 12 books this year: 2 of 12 books: behind pace',
    );
    expect((await chat.chat(actor, "how's my running going")).reply).toBe(
      'Run a 10k: 6 of 10 km (longest run): on pace',
    );
    const none = await chat.chat(actor, 'How am I doing on swimming?');
    expect(none.rule).toBe('goal_progress');
    expect(none.reply).toContain(
      'You have no goal about "swimming". Your goals: Run a 10k; Read 12 books this year.',
    );
  });

  it('adds a goal from "my goal is to …", "I want to … by …" and "new goal: …"', async () => {
    const { chat, fake } = offline();
    for (const message of [
      'My goal is to run a 10k by March',
      'I want to read 12 books by December',
      'new goal: call mum every week',
    ]) {
      const reply = await chat.chat(actor, message);
      expect(reply.rule).toBe('add_goal');
      expect(reply.toolCalls).toEqual([{ name: 'add_goal', tier: 'local_write', status: 'ran' }]);
    }
    expect(callsNamed(fake, 'addGoal')).toEqual([
      { text: 'run a 10k by March' },
      { text: 'read 12 books by December' },
      { text: 'call mum every week' },
    ]);
  });

  it('lists the inbox, what is due today (overdue included) and tomorrow', async () => {
    const { chat, fake } = offline();
    const all = await chat.chat(actor, "What's in my inbox?");
    expect(all.rule).toBe('list_inbox');
    expect(all.reply.split('\n')[0]).toBe('4 items open in your inbox:');
    const today = await chat.chat(actor, 'What do I have to do today?');
    expect(today.reply).toBe(
      [
        '2 items due today (or overdue):',
        '- Buy milk (reminder, Mon 2 Mar 2026, 18:00) [item-milk]',
        '- Pay the bills (reminder, Sun 1 Mar 2026, 09:00) [item-bills]',
      ].join('\n'),
    );
    const tomorrow = await chat.chat(actor, "what's due tomorrow");
    expect(tomorrow.reply).toContain('1 item due tomorrow:\n- Send Sam the deck (commitment');
    expect(callsNamed(fake, 'listInbox')).toEqual([
      {},
      { dueTo: at('2026-03-03T00:00:00Z') },
      { dueFrom: at('2026-03-03T00:00:00Z'), dueTo: at('2026-03-04T00:00:00Z') },
    ]);
  });

  it('completes an item named by its words, and asks which when several match', async () => {
    const { chat, fake } = offline();
    const done = await chat.chat(actor, 'done: buy milk');
    expect(done).toMatchObject({ rule: 'complete', reply: 'Done: Buy milk.' });
    expect(callsNamed(fake, 'completeItem')).toEqual([{ itemId: 'item-milk' }]);
    const ambiguous = await chat.chat(actor, 'done: Sam');
    expect(ambiguous.reply).toContain('Which one? Several items match "Sam"');
    expect(ambiguous.reply).toContain('[item-deck]');
    expect(ambiguous.reply).toContain('[item-call-sam]');
    const marked = await chat.chat(actor, 'mark the deck for Sam as done');
    expect(marked.reply).toBe('Done: Send Sam the deck.');
    expect(callsNamed(fake, 'completeItem')).toHaveLength(2);
    expect((await chat.chat(actor, 'done: walk the dog')).reply).toBe(
      'Nothing open in your inbox matches "walk the dog".',
    );
  });

  it('snoozes an item until a time or for a while', async () => {
    const { chat, fake } = offline();
    const until = await chat.chat(actor, 'snooze the bills until tomorrow at 9');
    expect(until).toMatchObject({
      rule: 'snooze',
      reply: 'Snoozed "Pay the bills" until Tue 3 Mar 2026, 09:00.',
    });
    await chat.chat(actor, 'snooze buy milk for 2 hours');
    expect(callsNamed(fake, 'snoozeItem')).toEqual([
      { itemId: 'item-bills', until: at('2026-03-03T09:00:00Z') },
      { itemId: 'item-milk', until: at('2026-03-02T12:00:00Z') },
    ]);
    expect((await chat.chat(actor, 'snooze buy milk until whenever')).reply).toMatch(
      /^I could not tell until when/,
    );
  });

  it('lists the actions waiting for confirmation with their exact arguments', async () => {
    const { chat, actions } = offline();
    expect((await chat.chat(actor, "what's pending confirmation?")).reply).toBe(
      'Nothing is waiting for your confirmation.',
    );
    await actions.add({
      id: '01ACTION9',
      userId: 'user-1',
      tool: 'mail__send',
      arguments: { to: 'sam@example.com', text: 'Here is the deck' },
      summary: 'Email sam@example.com',
      requestedBy: 'chat:cli',
      createdAt: NOW - 60_000,
      expiresAt: NOW + 3_600_000,
    });
    const reply = await chat.chat(actor, "What's pending confirmation?");
    expect(reply.rule).toBe('pending');
    expect(reply.reply).toContain('- Email sam@example.com [01ACTION9]');
    expect(reply.reply).toContain('arguments: {"to":"sam@example.com","text":"Here is the deck"}');
  });

  it('answers anything else from memory, and says what would need a model', async () => {
    const { chat, fake } = offline();
    const deltas: string[] = [];
    const reply = await chat.chat(actor, 'What did Ana say about the dentist?', {
      onDelta: (text) => deltas.push(text),
    });
    expect(reply).toMatchObject({ model: null, rule: 'ask', toolCalls: [] });
    expect(reply.reply).toContain('"Ana: the dentist moved to Friday"');
    expect(reply.reply.endsWith(WITHOUT_MODEL_NOTE)).toBe(true);
    expect(reply.reply).toContain('familiar.config.json');
    expect(callsNamed(fake, 'ask')).toEqual(['What did Ana say about the dentist?']);
    expect(deltas.join('')).toBe(reply.reply);
  });

  it('refuses an empty message', async () => {
    const { chat } = offline();
    await expect(chat.chat(actor, '   ')).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('matchChatRule', () => {
  it('recognizes each command shape', () => {
    expect(matchChatRule('Hey Familiar, remind me to buy milk')).toEqual({
      rule: 'remind',
      text: 'remind me to buy milk',
    });
    expect(matchChatRule('goals?')).toEqual({ rule: 'list_goals' });
    expect(matchChatRule('How am I doing with my reading goal?')).toEqual({
      rule: 'goal_progress',
      about: 'reading',
    });
    expect(matchChatRule('What\u2019s in my inbox')).toEqual({ rule: 'list_inbox', window: 'all' });
    expect(matchChatRule("what's due this week")).toEqual({ rule: 'list_inbox', window: 'this_week' });
    expect(matchChatRule("What's due?")).toEqual({ rule: 'list_inbox', window: 'today' });
    expect(matchChatRule('Finished: the report')).toEqual({ rule: 'complete', words: 'the report' });
    expect(matchChatRule('snooze the report for a day')).toEqual({
      rule: 'snooze',
      words: 'the report',
      until: 'for a day',
    });
    expect(matchChatRule('anything waiting for confirmation?')).toEqual({ rule: 'pending' });
  });

  it('leaves questions and statements that only look similar to memory or a model', () => {
    for (const message of [
      'I want to know what Sam said this morning',
      'What did Sam say about my goals?',
      'Did Ana remind me to call her?',
      'when is the deck due',
      'I finished the book',
    ]) {
      expect(matchChatRule(message), message).toBeNull();
    }
  });
});

describe('parseSnoozeUntil', () => {
  const until = (text: string) => parseSnoozeUntil(text, NOW, ZONE);

  it('reads durations, days, parts of the day and clock times in the person’s zone', () => {
    expect(until('for 30 minutes')).toBe(NOW + 30 * 60_000);
    expect(until('for a couple of hours')).toBe(NOW + 2 * 3_600_000);
    expect(until('for a week')).toBe(at('2026-03-09T10:00:00Z'));
    expect(until('tomorrow')).toBe(at('2026-03-03T09:00:00Z'));
    expect(until('tomorrow at 5pm')).toBe(at('2026-03-03T17:00:00Z'));
    expect(until('Monday')).toBe(at('2026-03-09T09:00:00Z'));
    expect(until('friday at 14:30')).toBe(at('2026-03-06T14:30:00Z'));
    expect(until('next week')).toBe(at('2026-03-09T09:00:00Z'));
    expect(until('tonight')).toBe(at('2026-03-02T20:00:00Z'));
    expect(until('this evening')).toBe(at('2026-03-02T18:00:00Z'));
    expect(until('5pm')).toBe(at('2026-03-02T17:00:00Z'));
    expect(until('8am')).toBe(at('2026-03-03T08:00:00Z'));
  });

  it('crosses a clock change by wall time', () => {
    // London moves to BST on Sunday 29 March 2026: a day's snooze from Saturday 10:00 ends Sunday 10:00 BST.
    expect(parseSnoozeUntil('for a day', at('2026-03-28T10:00:00Z'), ZONE)).toBe(at('2026-03-29T09:00:00Z'));
  });

  it('gives null for what it cannot read or for a time already past today', () => {
    expect(until('whenever')).toBeNull();
    expect(until('today at 8am')).toBeNull();
    expect(until('25:00')).toBeNull();
  });
});
