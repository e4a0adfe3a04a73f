import { NotFoundError } from '../kernel/index.ts';
import type { PeopleStore, Retriever } from '../memory/index.ts';
import type { Ask } from './ask.ts';
import type { AssistantActor, AssistantService } from './assistant-service.ts';
import type { ChatToolDeps } from './chat/index.ts';
import type { ToolContext } from './chat/tool-definition.ts';
import { parseReminder } from './inbox/index.ts';

/** The assistant actor a tool call acts as (its audit label is the chat's caller). */
function actorFor(context: ToolContext): AssistantActor {
  return {
    userId: context.userId,
    deviceId: null,
    label: `chat:${context.actor}`,
    timezone: context.timezone,
  };
}

/**
 * The chat's tools over the assistant service, memory retrieval and the people registry: the one place where the
 * model-facing tools meet the services, so a tool can only do what the service allows (and audits).
 */
export function createChatToolDeps(deps: {
  assistant: AssistantService;
  retriever: Retriever;
  ask: Ask;
  people: PeopleStore;
}): ChatToolDeps {
  const { assistant, retriever, ask, people } = deps;
  return {
    async searchMemory(context, { query, limit }) {
      const found = await retriever.retrieve({ id: context.userId, timezone: context.timezone }, query, {
        limit,
        now: context.now,
      });
      return found.hits.map(({ observation }) => ({
        id: observation.id,
        capturedAt: observation.capturedAt,
        modality: observation.modality,
        trust: observation.trust,
        text: observation.text,
      }));
    },
    async ask(context, question) {
      const answer = await ask.ask(
        { userId: context.userId, label: `chat:${context.actor}`, timezone: context.timezone },
        question,
        { now: context.now },
      );
      return {
        answer: answer.answer,
        citations: answer.citations.map((observation) => ({
          id: observation.id,
          capturedAt: observation.capturedAt,
          modality: observation.modality,
          trust: observation.trust,
          text: observation.text,
        })),
      };
    },
    listGoals: (context, { status }) => assistant.listGoals(actorFor(context), status),
    async addGoal(context, { text }) {
      return (await assistant.addGoal(actorFor(context), { text })).goal;
    },
    recordProgress: (context, { goalId, amount, at, note }) =>
      assistant.logProgress(actorFor(context), goalId, { amount, at, ...(note ? { note } : {}) }),
    listInbox: (context, query) => assistant.listInbox(actorFor(context), query),
    addReminder: (context, { title, due }) => assistant.addReminder(actorFor(context), { title, due }),
    completeItem: (context, { itemId }) => assistant.completeItem(actorFor(context), itemId),
    snoozeItem: (context, { itemId, until }) => assistant.snoozeItem(actorFor(context), itemId, until),
    async listPeople(context, { query }) {
      const all = await people.list(context.userId);
      if (!query) return all;
      const wanted = query.trim().toLowerCase();
      return all.filter((person) =>
        [person.name, ...person.aliases].some((name) => name.toLowerCase().includes(wanted)),
      );
    },
    async personDetails(context, { personId }) {
      const person = await people.get(context.userId, personId);
      if (!person) throw new NotFoundError('person', personId);
      const view = await assistant.person(actorFor(context), person.id);
      return { person, openPromises: view.openPromises, followUps: view.followUps };
    },
    async exportCalendar(context) {
      const ics = await assistant.exportCalendar(actorFor(context));
      return { ics, events: (ics.match(/^BEGIN:VEVENT/gm) ?? []).length };
    },
    async importCalendar(context, { ics }) {
      const result = await assistant.importCalendar(actorFor(context), ics);
      return { imported: result.added, skipped: result.events - result.added, problems: [] };
    },
    parseReminder,
  };
}
