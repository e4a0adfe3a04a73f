/**
 * Every action the audit log records, as `<domain>.<verb>` (lower case, dots between parts, dashes inside one),
 * with what it means. `details` hold ids, counts, field names, times and engine names: never what the person
 * said, wrote or was shown, and never a person's name. `familiar audit --action data.` and
 * `GET /v1/audit?action=data.` find every export and import; `consent.` every opt-out; `model.` every model call.
 */
export const AUDIT_ACTIONS = {
  // Reading and writing the timeline.
  'observations.write': 'observations stored (count, inserted)',
  'observations.list': 'a page of observations listed (count)',
  'observations.read': 'one observation read (target: its id)',
  'capture.write': 'media stored as a capture (kind, size)',
  'capture.media.read': 'a capture’s media read (over HTTP or a signed link)',
  ask: 'a question answered from memory (how many moments were cited)',
  'stream.session': 'a device stream closed (items stored, duration)',
  'mcp.tool': 'an MCP client called a tool (tool name, argument keys)',
  // Models and the assistant's tools.
  'model.call':
    'a language model was called (model, where it runs, task, sensitivity, data classes, outcome)',
  'guard.block': 'the content guard blocked an input or output (hazard categories)',
  'models.open-only':
    'the person turned their "Open models only" switch on or off (openOnly: the setting after, previous: before)',
  'assistant.tool': 'the assistant ran a tool (tool name, tier, argument keys)',
  'assistant.confirm': 'the person confirmed an action the assistant proposed',
  'assistant.reject': 'the person rejected an action the assistant proposed',
  'assistant.settings': 'assistant settings changed (field names)',
  'assistant.not-now': 'proactive messages paused (until when)',
  'goals.add': 'a goal added',
  'goals.update': 'a goal changed (field names)',
  'goals.delete': 'a goal deleted',
  'goals.progress.log': 'progress logged on a goal',
  'goals.progress.confirm': 'inferred progress confirmed',
  'goals.progress.reject': 'inferred progress rejected',
  'inbox.complete': 'an inbox item marked done',
  'inbox.dismiss': 'an inbox item dismissed (deleted from the inbox)',
  'inbox.remind': 'a reminder added',
  'inbox.confirm': 'an inferred commitment confirmed',
  'inbox.snooze': 'an inbox item snoozed',
  // Corrections and deletions in memory.
  'memory.search': 'memory searched from the Memory view (how many moments were found, which paths ran)',
  'memory.forget': 'observations forgotten by id, time range or everything, with what followed (counts)',
  'memory.retention':
    'observations or raw media past their retention deleted (modality or kind, days, counts)',
  'facts.correct': 'a fact corrected (superseded by a new one)',
  'facts.delete': 'a fact deleted',
  'episodes.edit': 'an episode’s title or summary changed',
  'episodes.delete': 'an episode deleted with its observations',
  'people.add': 'a person added',
  'people.edit': 'a person’s record changed (field names)',
  'people.delete': 'a person deleted with the facts about them, voiceprints and face prints',
  'people.face.enroll': 'a person’s face enrolled from photos (photo count)',
  'people.face.forget': 'a person’s face prints removed',
  'voice.enroll': 'a voice enrolled (voiceprint id, person id, model)',
  'voice.list': 'the enrolled voices listed',
  'voice.remove': 'a voiceprint removed',
  // Data leaving or entering.
  'data.export': 'data exported (format, counts, destination)',
  'data.import': 'data imported (format, counts)',
  // Consent and privacy.
  'consent.opt-out': 'a person opted out of being remembered, with what was deleted (counts)',
  'consent.opt-in': 'a person’s opt-out withdrawn',
  'privacy.pause': 'capture paused for every device of the user (by whom)',
  'privacy.resume': 'capture resumed (by whom)',
  // Accounts and keys.
  'user.add': 'a user added',
  'user.passphrase': 'the user’s web app passphrase set (browser sessions logged out: count)',
  'device.add': 'a device added',
  'device.revoke': 'a device revoked (its token stops working)',
  'device.rename': 'a device renamed',
  'device.pair': 'a device redeemed its one-time pairing code for its token (target: the device)',
  'session.login': 'the person logged in to the web app with their passphrase (actor: web and the session)',
  'session.logout': 'a web app session ended by logging out',
  'session.login-failed':
    'a web app login failed (reason: unknown-user, wrong-passphrase, no-passphrase or rate-limited; never the passphrase)',
  'key.rotate': 'the encryption key at rest rotated',
} as const satisfies Record<string, string>;

/** One action the audit log knows. */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** True for an action listed in `AUDIT_ACTIONS`. */
export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, action);
}
