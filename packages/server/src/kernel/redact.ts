/** Removes an API key, and anything shaped like one (`sk-…`, `gsk_…`), from text that came back from a server. */
export function redactSecrets(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join('[redacted]') : text;
  return withoutKey.replace(/\b(sk|gsk|pk)-[A-Za-z0-9_*.-]{3,}/g, '[redacted]');
}
