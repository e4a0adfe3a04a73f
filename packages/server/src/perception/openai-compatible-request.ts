import { z } from 'zod';
import { FamiliarError, redactSecrets } from '../kernel/index.ts';

/** The error body OpenAI-compatible servers send. */
const ApiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

/**
 * POSTs to an OpenAI-compatible endpoint and returns the parsed JSON answer. Errors are coded the same way for every
 * adapter: 4xx is `validation_failed` (not retryable), 408/409/429/5xx, timeouts and network failures are retryable;
 * the API key (and anything shaped like one) never appears in a message. `what` names the server in messages.
 */
export async function postOpenAiCompatible(request: {
  url: URL;
  body: string | FormData;
  headers?: Record<string, string>;
  apiKey: string | undefined;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  signal?: AbortSignal;
  what: string;
}): Promise<unknown> {
  const { url, apiKey, timeoutMs, signal, what } = request;
  const server = url.host;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  let body: string;
  try {
    response = await request.fetch(url, {
      method: 'POST',
      body: request.body,
      headers: { ...request.headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      signal: combined,
    });
    body = await response.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      throw new FamiliarError('internal', `the ${what} ${server} did not answer within ${timeoutMs} ms`, {
        retryable: true,
      });
    }
    throw new FamiliarError(
      'internal',
      `the ${what} ${server} could not be reached: ${redactSecrets(String((error as Error).message), apiKey)}`,
      { retryable: true },
    );
  }
  if (!response.ok) {
    let apiError: z.infer<typeof ApiErrorSchema>['error'] | null = null;
    try {
      const parsed = ApiErrorSchema.safeParse(JSON.parse(body));
      if (parsed.success) apiError = parsed.data.error;
    } catch {
      // Not JSON: the body or the status text says what happened.
    }
    const status = response.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    const detail = apiError?.message ?? (body.trim().slice(0, 200) || response.statusText);
    throw new FamiliarError(
      retryable ? 'internal' : 'validation_failed',
      `the ${what} ${server} answered ${status}: ${redactSecrets(detail, apiKey)}`,
      { retryable, details: { status, type: apiError?.type ?? null, code: apiError?.code ?? null } },
    );
  }
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new FamiliarError('internal', `the ${what} ${server} answered with something other than JSON`, {
      cause,
    });
  }
}
