import {
  type AskResponse,
  AskResponseSchema,
  type AskStreamEvent,
  AskStreamEventSchema,
  AssistantSettingsWireSchema,
  InboxItemSchema,
  ListAuditResponseSchema,
  ListObservationsResponseSchema,
  type Modality,
  ModelSettingsSchema,
  ObservationSchema,
  type PatchFactRequest,
  type PatchModelSettingsRequest,
  PendingActionSchema,
  type PendingActionWire,
  ProgressEntrySchema,
  ServerFactsSchema,
} from '@familiar/protocol';
import type { ApiClient } from './api-client.ts';
import { ApiError } from './api-error.ts';
import {
  ActionListSchema,
  CaptureWithLinkSchema,
  DeletedSchema,
  EpisodeDetailSchema,
  EpisodeListSchema,
  FactCorrectionSchema,
  FactListSchema,
  ForgetDependentsSchema,
  GoalDetailSchema,
  GoalListSchema,
  InboxListSchema,
  MeSchema,
  PairResponseSchema,
  PeopleListSchema,
  PrivacyStateSchema,
  SearchResultSchema,
  SessionSchema,
} from './schemas.ts';
import { createSseParser } from './sse-parser.ts';

/** Which actions `GET /v1/actions` lists: one status, or all of them. */
export type ActionStatusFilter = PendingActionWire['status'] | 'all';

/** The routes the web app uses, typed and validated; one function per route. */
export function createFamiliarApi(client: ApiClient) {
  return {
    url: client.url,
    session: {
      login: (user: string, passphrase: string) =>
        client.request('POST', '/v1/session', { json: { user, passphrase }, schema: SessionSchema }),
      current: () => client.request('GET', '/v1/session', { schema: SessionSchema }),
      logout: () => client.request<void>('DELETE', '/v1/session'),
    },
    pair: (code: string) =>
      client.request('POST', '/v1/pair', { json: { code }, schema: PairResponseSchema }),
    me: () => client.request('GET', '/v1/me', { schema: MeSchema }),
    privacy: {
      get: () => client.request('GET', '/v1/privacy', { schema: PrivacyStateSchema }),
      set: (paused: boolean) =>
        client.request('POST', '/v1/privacy', { json: { paused }, schema: PrivacyStateSchema }),
    },
    episodes: {
      list: (range: { from: string; to: string }) =>
        client.request('GET', '/v1/episodes', {
          query: { from: range.from, to: range.to, order: 'asc', limit: 200 },
          schema: EpisodeListSchema,
        }),
      get: (id: string) =>
        client.request('GET', `/v1/episodes/${encodeURIComponent(id)}`, { schema: EpisodeDetailSchema }),
      remove: (id: string) =>
        client.request('DELETE', `/v1/episodes/${encodeURIComponent(id)}`, { schema: DeletedSchema }),
    },
    observations: {
      get: (id: string) =>
        client.request('GET', `/v1/observations/${encodeURIComponent(id)}`, { schema: ObservationSchema }),
      list: (query: { from?: string; to?: string; modality?: Modality; limit?: number; cursor?: string }) =>
        client.request('GET', '/v1/observations', { query, schema: ListObservationsResponseSchema }),
      remove: (id: string) =>
        client.request('DELETE', `/v1/observations/${encodeURIComponent(id)}`, { schema: DeletedSchema }),
      dependents: (id: string) =>
        client.request('GET', `/v1/observations/${encodeURIComponent(id)}/dependents`, {
          schema: ForgetDependentsSchema,
        }),
    },
    search: (q: string, limit = 20) =>
      client.request('GET', '/v1/search', { query: { q, limit }, schema: SearchResultSchema }),
    captures: {
      get: (id: string) =>
        client.request('GET', `/v1/captures/${encodeURIComponent(id)}`, { schema: CaptureWithLinkSchema }),
      upload: (bytes: Uint8Array, contentType: string, options: { id: string; capturedAt: string }) =>
        client.request('POST', '/v1/captures', {
          raw: { body: bytes, contentType },
          headers: { 'x-capture-id': options.id, 'x-captured-at': options.capturedAt },
          schema: CaptureWithLinkSchema.omit({ mediaUrl: true, mediaUrlExpiresAt: true }),
        }),
    },
    ask: (question: string, signal?: AbortSignal): Promise<AskResponse> =>
      client.request('POST', '/v1/ask', {
        json: { question },
        schema: AskResponseSchema,
        ...(signal ? { signal } : {}),
      }),
    askStream: (question: string, onEvent: (event: AskStreamEvent) => void, signal?: AbortSignal) =>
      askStream(client, question, onEvent, signal),
    audit: {
      list: (query: { action?: string; cursor?: string; limit?: number }) =>
        client.request('GET', '/v1/audit', { query, schema: ListAuditResponseSchema }),
    },
    inbox: {
      list: (status: 'open' | 'done' | 'dismissed' | 'all' = 'open') =>
        client.request('GET', '/v1/inbox', { query: { status, limit: 200 }, schema: InboxListSchema }),
      act: (id: string, verb: 'confirm' | 'complete' | 'dismiss') =>
        client.request('POST', `/v1/inbox/${encodeURIComponent(id)}/${verb}`, { schema: InboxItemSchema }),
    },
    /** External actions the assistant proposed, waiting for the person's yes or no (`familiar confirm` on the web). */
    actions: {
      list: (status: ActionStatusFilter = 'pending') =>
        client.request('GET', '/v1/actions', { query: { status }, schema: ActionListSchema }),
      /** Confirms (runs it once, with its stored arguments) or rejects (it never runs); answers the decided action. */
      decide: (id: string, verb: 'confirm' | 'reject') =>
        client.request('POST', `/v1/actions/${encodeURIComponent(id)}/${verb}`, {
          schema: PendingActionSchema,
        }),
    },
    goals: {
      list: (status: 'active' | 'achieved' | 'abandoned' | 'all' = 'active') =>
        client.request('GET', '/v1/goals', { query: { status }, schema: GoalListSchema }),
      get: (id: string) =>
        client.request('GET', `/v1/goals/${encodeURIComponent(id)}`, { schema: GoalDetailSchema }),
      decide: (entryId: string, verb: 'confirm' | 'reject') =>
        client.request('POST', `/v1/progress/${encodeURIComponent(entryId)}/${verb}`, {
          schema: ProgressEntrySchema,
        }),
    },
    people: {
      list: () => client.request('GET', '/v1/people', { schema: PeopleListSchema }),
    },
    facts: {
      search: (about: string) =>
        client.request('GET', '/v1/facts', { query: { about, limit: 50 }, schema: FactListSchema }),
      correct: (id: string, correction: PatchFactRequest) =>
        client.request('PATCH', `/v1/facts/${encodeURIComponent(id)}`, {
          json: correction,
          schema: FactCorrectionSchema,
        }),
    },
    modelSettings: {
      get: () => client.request('GET', '/v1/settings/models', { schema: ModelSettingsSchema }),
      setOpenOnly: (openOnly: boolean) =>
        client.request('PATCH', '/v1/settings/models', {
          json: { openOnly } satisfies PatchModelSettingsRequest,
          schema: ModelSettingsSchema,
        }),
    },
    assistantSettings: {
      get: () => client.request('GET', '/v1/assistant/settings', { schema: AssistantSettingsWireSchema }),
    },
    /** What the server can do for this person: engines, where their asks go, retention, encryption at rest. */
    server: {
      get: () => client.request('GET', '/v1/server', { schema: ServerFactsSchema }),
    },
  };
}

/** The API the web app talks to. */
export type FamiliarApi = ReturnType<typeof createFamiliarApi>;

/**
 * Asks with `Accept: text/event-stream` and reports each event as it arrives; resolves with the final answer. A
 * server that answers with plain JSON (no streaming) is handled too: its answer is reported as one `done` event.
 */
async function askStream(
  client: ApiClient,
  question: string,
  onEvent: (event: AskStreamEvent) => void,
  signal?: AbortSignal,
): Promise<AskResponse> {
  const response = await client.stream('POST', '/v1/ask', {
    json: { question },
    accept: 'text/event-stream',
    ...(signal ? { signal } : {}),
  });
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || !response.body) {
    const answer = AskResponseSchema.parse(await response.json());
    onEvent({ event: 'done', data: answer });
    return answer;
  }
  const parser = createSseParser();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let final: AskResponse | null = null;
  const handle = (events: { event: string; data: string }[]): void => {
    for (const raw of events) {
      let data: unknown;
      try {
        data = JSON.parse(raw.data);
      } catch (cause) {
        throw new ApiError('bad_response', 'The answer stream sent data that is not JSON.', { cause });
      }
      const parsed = AskStreamEventSchema.safeParse({ event: raw.event, data });
      if (!parsed.success)
        throw new ApiError('bad_response', `The answer stream sent an unexpected "${raw.event}".`);
      const event = parsed.data;
      if (event.event === 'error') throw new ApiError(event.data.code, event.data.message);
      if (event.event === 'done') final = event.data;
      onEvent(event);
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    handle(parser.push(value));
  }
  handle(parser.end());
  if (!final) throw new ApiError('bad_response', 'The answer stream ended before the answer was complete.');
  return final;
}
