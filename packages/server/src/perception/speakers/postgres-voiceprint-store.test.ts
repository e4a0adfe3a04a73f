import { freshPostgres, postgresLabel } from '../../../test/support/postgres.ts';
import { createPostgresPeopleStore } from '../../memory/index.ts';
import { createPostgresVoiceprintStore } from './postgres-voiceprint-store.ts';
import {
  describeDatabaseVoiceprintStoreContract,
  describeVoiceprintStoreContract,
} from './voiceprint-store.contract.ts';

describeVoiceprintStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('u1', 'u2');
  await client.query(
    "INSERT INTO people (id, user_id, name, name_key, aliases, opted_out, created_at, updated_at) VALUES ('p1', 'u1', 'Ana', 'ana', '[]', FALSE, 0, 0)",
  );
  return createPostgresVoiceprintStore(client);
});

describeDatabaseVoiceprintStoreContract(postgresLabel, async () => {
  const client = await freshPostgres('u1', 'u2');
  return {
    people: createPostgresPeopleStore(client),
    store: createPostgresVoiceprintStore(client),
    async damage(id, bytes) {
      await client.query('UPDATE voiceprints SET vector = $1 WHERE id = $2', [bytes, id]);
    },
  };
});
