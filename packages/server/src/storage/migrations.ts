import type { Dialect } from './dialect.ts';

/** One schema change, written once and rendered for each SQL dialect. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(dialect: Dialect): string[];
}

/** Every migration in order: the single source of truth for the schema on SQLite and PostgreSQL alike. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'timeline, accounts, jobs and audit',
    statements(d) {
      const { text, integer, bigint, boolean, json } = d.types;
      return [
        `CREATE TABLE users (
           id ${text} PRIMARY KEY,
           name ${text} NOT NULL UNIQUE,
           timezone ${text} NOT NULL,
           created_at ${bigint} NOT NULL
         )`,
        `CREATE TABLE devices (
           id ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           name ${text} NOT NULL,
           token_hash ${text} NOT NULL UNIQUE,
           created_at ${bigint} NOT NULL,
           revoked_at ${bigint},
           last_seen_at ${bigint}
         )`,
        'CREATE INDEX devices_user_idx ON devices (user_id)',
        `CREATE TABLE people (
           id ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           name ${text} NOT NULL,
           name_key ${text} NOT NULL,
           aliases ${json} NOT NULL,
           opted_out ${boolean} NOT NULL DEFAULT ${d.false},
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           UNIQUE (user_id, name_key)
         )`,
        `CREATE TABLE blobs (
           user_id ${text} NOT NULL REFERENCES users(id),
           sha256 ${text} NOT NULL,
           size ${bigint} NOT NULL,
           media_type ${text} NOT NULL,
           ref_count ${integer} NOT NULL,
           created_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, sha256)
         )`,
        `CREATE TABLE captures (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           device_id ${text},
           kind ${text} NOT NULL,
           media_type ${text} NOT NULL,
           sha256 ${text} NOT NULL,
           size ${bigint} NOT NULL,
           captured_at ${bigint} NOT NULL,
           received_at ${bigint} NOT NULL,
           status ${text} NOT NULL,
           error ${text},
           PRIMARY KEY (user_id, id)
         )`,
        'CREATE INDEX captures_time_idx ON captures (user_id, captured_at)',
        `CREATE TABLE observations (
           seq ${d.serialPrimaryKey},
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           device_id ${text},
           modality ${text} NOT NULL,
           captured_at ${bigint} NOT NULL,
           received_at ${bigint} NOT NULL,
           text ${text} NOT NULL,
           capture_id ${text},
           provenance ${json},
           trust ${text} NOT NULL,
           content_hash ${text} NOT NULL,
           UNIQUE (user_id, id)
         )`,
        'CREATE INDEX observations_time_idx ON observations (user_id, captured_at, id)',
        'CREATE INDEX observations_capture_idx ON observations (user_id, capture_id)',
        ...d.fullText('observations', 'text', 'seq'),
        `CREATE TABLE jobs (
           id ${text} PRIMARY KEY,
           type ${text} NOT NULL,
           user_id ${text},
           payload ${json} NOT NULL,
           status ${text} NOT NULL,
           attempts ${integer} NOT NULL DEFAULT 0,
           max_attempts ${integer} NOT NULL,
           run_after ${bigint} NOT NULL,
           lease_owner ${text},
           lease_expires_at ${bigint},
           last_error ${text},
           result ${json},
           dedupe_key ${text} UNIQUE,
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL
         )`,
        'CREATE INDEX jobs_ready_idx ON jobs (status, type, run_after)',
        'CREATE INDEX jobs_user_idx ON jobs (user_id)',
        `CREATE TABLE audit_events (
           seq ${d.serialPrimaryKey},
           user_id ${text},
           at ${bigint} NOT NULL,
           actor ${text} NOT NULL,
           action ${text} NOT NULL,
           target ${text},
           details ${json}
         )`,
        'CREATE INDEX audit_events_user_idx ON audit_events (user_id, seq)',
        ...d.appendOnly('audit_events'),
      ];
    },
  },
  {
    version: 2,
    name: 'device stream: positions, audio chunks, capture state, notifications, device clocks',
    statements(d) {
      const { text, bigint, boolean, bytes } = d.types;
      return [
        `CREATE TABLE device_streams (
           device_id ${text} NOT NULL,
           stream_id ${text} NOT NULL,
           last_seq ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (device_id, stream_id)
         )`,
        `CREATE TABLE audio_chunks (
           user_id ${text} NOT NULL REFERENCES users(id),
           device_id ${text} NOT NULL,
           stream_id ${text} NOT NULL,
           seq ${bigint} NOT NULL,
           captured_at ${bigint} NOT NULL,
           device_captured_at ${bigint} NOT NULL,
           received_at ${bigint} NOT NULL,
           pcm ${bytes} NOT NULL,
           PRIMARY KEY (device_id, stream_id, seq)
         )`,
        'CREATE INDEX audio_chunks_user_idx ON audio_chunks (user_id)',
        `CREATE TABLE capture_states (
           user_id ${text} PRIMARY KEY REFERENCES users(id),
           paused ${boolean} NOT NULL,
           changed_at ${bigint} NOT NULL,
           changed_by ${text} NOT NULL
         )`,
        `CREATE TABLE notifications (
           id ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           title ${text} NOT NULL,
           body ${text} NOT NULL,
           created_at ${bigint} NOT NULL,
           delivered_at ${bigint}
         )`,
        'CREATE INDEX notifications_user_idx ON notifications (user_id, created_at)',
        `ALTER TABLE captures ADD COLUMN device_captured_at ${bigint}`,
        `ALTER TABLE captures ADD COLUMN stream_id ${text}`,
        `ALTER TABLE captures ADD COLUMN stream_seq ${bigint}`,
        `ALTER TABLE observations ADD COLUMN device_captured_at ${bigint}`,
      ];
    },
  },
  {
    version: 3,
    name: 'perception details on observations',
    statements(d) {
      return [`ALTER TABLE observations ADD COLUMN details ${d.types.json}`];
    },
  },
  {
    version: 4,
    name: 'voiceprints for speaker identification',
    statements(d) {
      const { text, integer, bigint, bytes } = d.types;
      // person_id NULL is the wearer. Vectors are Float32 little-endian; those of another model are not comparable.
      return [
        `CREATE TABLE voiceprints (
           id ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           person_id ${text} REFERENCES people(id) ON DELETE CASCADE,
           label ${text} NOT NULL,
           model ${text} NOT NULL,
           dimension ${integer} NOT NULL,
           vector ${bytes} NOT NULL,
           created_at ${bigint} NOT NULL
         )`,
        'CREATE INDEX voiceprints_user_model_idx ON voiceprints (user_id, model)',
        'CREATE INDEX voiceprints_person_idx ON voiceprints (person_id)',
      ];
    },
  },
  {
    version: 5,
    name: 'perception jobs per capture kind',
    statements() {
      // `capture.perceive` became `perceive.<kind>`; the server queues pending captures again at start.
      return ["DELETE FROM jobs WHERE type = 'capture.perceive'"];
    },
  },
  {
    version: 6,
    name: 'memory: episodes, facts with their sources, people details, observation vectors, understanding cursors',
    statements(d) {
      const { text, integer, bigint, boolean, json, bytes, real } = d.types;
      return [
        // An episode is a stretch of the timeline; its observations point at it. `edited`: the person corrected
        // the title or summary, so re-segmentation keeps their words.
        `CREATE TABLE episodes (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           started_at ${bigint} NOT NULL,
           ended_at ${bigint} NOT NULL,
           title ${text} NOT NULL,
           summary ${text} NOT NULL,
           observation_count ${integer} NOT NULL,
           edited ${boolean} NOT NULL DEFAULT ${d.false},
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id)
         )`,
        'CREATE INDEX episodes_time_idx ON episodes (user_id, started_at)',
        `ALTER TABLE observations ADD COLUMN episode_id ${text}`,
        'CREATE INDEX observations_episode_idx ON observations (user_id, episode_id)',
        // A fact is a claim (subject, predicate, object) with the observations it came from. Facts that share a
        // slot contradict when their objects differ: the newer supersedes the older, and both are kept.
        `CREATE TABLE facts (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           kind ${text} NOT NULL,
           subject ${text} NOT NULL,
           predicate ${text} NOT NULL,
           object ${text} NOT NULL,
           slot ${text},
           statement ${text} NOT NULL,
           valid_from ${bigint},
           valid_to ${bigint},
           observed_at ${bigint} NOT NULL,
           trust ${text} NOT NULL,
           confidence ${real} NOT NULL,
           origin ${text} NOT NULL,
           status ${text} NOT NULL,
           superseded_by ${text},
           person_id ${text},
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id)
         )`,
        'CREATE INDEX facts_slot_idx ON facts (user_id, slot, observed_at)',
        'CREATE INDEX facts_kind_idx ON facts (user_id, kind, observed_at)',
        'CREATE INDEX facts_person_idx ON facts (user_id, person_id)',
        `CREATE TABLE fact_sources (
           user_id ${text} NOT NULL,
           fact_id ${text} NOT NULL,
           observation_seq ${bigint} NOT NULL REFERENCES observations(seq) ON DELETE CASCADE,
           PRIMARY KEY (user_id, fact_id, observation_seq)
         )`,
        'CREATE INDEX fact_sources_observation_idx ON fact_sources (observation_seq)',
        `ALTER TABLE people ADD COLUMN relationship ${text}`,
        `ALTER TABLE people ADD COLUMN important_dates ${json}`,
        `ALTER TABLE people ADD COLUMN last_seen_at ${bigint}`,
        `ALTER TABLE people ADD COLUMN last_heard_at ${bigint}`,
        `ALTER TABLE people ADD COLUMN last_mentioned_at ${bigint}`,
        // Vectors are Float32 little-endian, tagged with the embedding model that made them.
        `CREATE TABLE observation_vectors (
           observation_seq ${bigint} PRIMARY KEY REFERENCES observations(seq) ON DELETE CASCADE,
           user_id ${text} NOT NULL,
           model ${text} NOT NULL,
           dimension ${integer} NOT NULL,
           vector ${bytes} NOT NULL
         )`,
        'CREATE INDEX observation_vectors_user_model_idx ON observation_vectors (user_id, model)',
        // How far the understanding pass (facts, people, vectors, episodes) has read each user's timeline.
        `CREATE TABLE memory_cursors (
           user_id ${text} NOT NULL REFERENCES users(id),
           stage ${text} NOT NULL,
           last_seq ${bigint} NOT NULL,
           state ${json},
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, stage)
         )`,
      ];
    },
  },
  {
    version: 7,
    name: 'assistant: goals and progress, inbox, pending actions, settings',
    statements(d) {
      const { text, bigint, json, real } = d.types;
      return [
        // A goal has a measurable target (amount, unit, how entries count) and what counts as progress (activity).
        `CREATE TABLE goals (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           title ${text} NOT NULL,
           text ${text} NOT NULL,
           activity ${text} NOT NULL,
           about ${json} NOT NULL,
           target ${json} NOT NULL,
           deadline ${bigint},
           plan ${json} NOT NULL,
           status ${text} NOT NULL,
           started_at ${bigint} NOT NULL,
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id)
         )`,
        // Progress entries link the observations they were inferred from; forgetting those removes the link.
        `CREATE TABLE goal_progress (
           user_id ${text} NOT NULL,
           id ${text} NOT NULL,
           goal_id ${text} NOT NULL,
           amount ${real} NOT NULL,
           unit ${text} NOT NULL,
           at ${bigint} NOT NULL,
           confidence ${real} NOT NULL,
           status ${text} NOT NULL,
           origin ${text} NOT NULL,
           evidence ${text} NOT NULL,
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id),
           FOREIGN KEY (user_id, goal_id) REFERENCES goals(user_id, id) ON DELETE CASCADE
         )`,
        'CREATE INDEX goal_progress_goal_idx ON goal_progress (user_id, goal_id, at)',
        `CREATE TABLE goal_progress_sources (
           user_id ${text} NOT NULL,
           progress_id ${text} NOT NULL,
           observation_seq ${bigint} NOT NULL REFERENCES observations(seq) ON DELETE CASCADE,
           PRIMARY KEY (user_id, progress_id, observation_seq),
           FOREIGN KEY (user_id, progress_id) REFERENCES goal_progress(user_id, id) ON DELETE CASCADE
         )`,
        'CREATE INDEX goal_progress_sources_observation_idx ON goal_progress_sources (observation_seq)',
        // The inbox: commitments, reminders, nudges and digests. The dedupe key makes each trigger fire once.
        `CREATE TABLE inbox_items (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           kind ${text} NOT NULL,
           title ${text} NOT NULL,
           body ${text} NOT NULL,
           due ${bigint},
           reason ${text} NOT NULL,
           status ${text} NOT NULL,
           snoozed_until ${bigint},
           fact_id ${text},
           goal_id ${text},
           person_id ${text},
           dedupe_key ${text} NOT NULL,
           notified_at ${bigint},
           completed_at ${bigint},
           created_at ${bigint} NOT NULL,
           updated_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id),
           UNIQUE (user_id, dedupe_key)
         )`,
        'CREATE INDEX inbox_items_due_idx ON inbox_items (user_id, status, due)',
        'CREATE INDEX inbox_items_notified_idx ON inbox_items (user_id, notified_at)',
        `CREATE TABLE inbox_sources (
           user_id ${text} NOT NULL,
           item_id ${text} NOT NULL,
           observation_seq ${bigint} NOT NULL REFERENCES observations(seq) ON DELETE CASCADE,
           PRIMARY KEY (user_id, item_id, observation_seq),
           FOREIGN KEY (user_id, item_id) REFERENCES inbox_items(user_id, id) ON DELETE CASCADE
         )`,
        'CREATE INDEX inbox_sources_observation_idx ON inbox_sources (observation_seq)',
        // External actions wait here for the person's confirmation, with the exact arguments they will run with.
        `CREATE TABLE pending_actions (
           user_id ${text} NOT NULL REFERENCES users(id),
           id ${text} NOT NULL,
           tool ${text} NOT NULL,
           arguments ${json} NOT NULL,
           summary ${text} NOT NULL,
           status ${text} NOT NULL,
           result ${json},
           requested_by ${text} NOT NULL,
           decided_by ${text},
           created_at ${bigint} NOT NULL,
           decided_at ${bigint},
           expires_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, id)
         )`,
        'CREATE INDEX pending_actions_status_idx ON pending_actions (user_id, status, created_at)',
        `CREATE TABLE assistant_settings (
           user_id ${text} PRIMARY KEY REFERENCES users(id),
           settings ${json} NOT NULL,
           updated_at ${bigint} NOT NULL
         )`,
      ];
    },
  },
  {
    version: 8,
    name: 'notifications: delivery to each device',
    statements(d) {
      const { text, bigint } = d.types;
      return [
        // One row per device that received a notification, so every device of the person gets it once, whichever
        // server it is connected to; forgetting the notification forgets where it went.
        `CREATE TABLE notification_deliveries (
           user_id ${text} NOT NULL,
           notification_id ${text} NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
           device_id ${text} NOT NULL,
           delivered_at ${bigint} NOT NULL,
           PRIMARY KEY (user_id, notification_id, device_id)
         )`,
        'CREATE INDEX notification_deliveries_notification_idx ON notification_deliveries (notification_id)',
      ];
    },
  },
  {
    version: 9,
    name: 'pending actions: where a request came from',
    statements(d) {
      const { json } = d.types;
      // Why an action waits for the person beyond its tier (perceived content in the turn, the rule of two) and the
      // observations it came from, so the confirmation can say "this came from text seen at 14:02".
      return [`ALTER TABLE pending_actions ADD COLUMN origin ${json}`];
    },
  },
  {
    version: 10,
    name: 'web app: passphrases, browser sessions and pairing codes',
    statements(d) {
      const { text, bigint, json } = d.types;
      return [
        // A person's passphrase for the dashboard, as a scrypt hash with its salt and cost parameters.
        `CREATE TABLE user_passphrases (
           user_id ${text} PRIMARY KEY REFERENCES users(id),
           hash ${text} NOT NULL,
           salt ${text} NOT NULL,
           params ${json} NOT NULL,
           updated_at ${bigint} NOT NULL
         )`,
        // Browser sessions: only the SHA-256 of the cookie's value is kept; the CSRF token goes with the session.
        `CREATE TABLE web_sessions (
           id_hash ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           csrf_token ${text} NOT NULL,
           created_at ${bigint} NOT NULL,
           expires_at ${bigint} NOT NULL,
           last_used_at ${bigint} NOT NULL
         )`,
        'CREATE INDEX web_sessions_user_idx ON web_sessions (user_id)',
        // One-time codes that hand a new device its token (10 minutes, single use); only their SHA-256 is kept,
        // with the device token sealed so that only the code can open it.
        `CREATE TABLE pairing_codes (
           code_hash ${text} PRIMARY KEY,
           user_id ${text} NOT NULL REFERENCES users(id),
           device_id ${text} NOT NULL,
           sealed_token ${text} NOT NULL,
           expires_at ${bigint} NOT NULL,
           used_at ${bigint}
         )`,
        'CREATE INDEX pairing_codes_user_idx ON pairing_codes (user_id)',
      ];
    },
  },
  {
    version: 11,
    name: 'models: the "open models only" switch of each person',
    statements(d) {
      const { text, bigint, boolean } = d.types;
      // One row per person who has set it; no row is off. familiar.config.json's models.openOnly stays a floor.
      return [
        `CREATE TABLE model_settings (
           user_id ${text} PRIMARY KEY REFERENCES users(id),
           open_only ${boolean} NOT NULL,
           changed_at ${bigint} NOT NULL,
           changed_by ${text} NOT NULL
         )`,
      ];
    },
  },
];
