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
];
