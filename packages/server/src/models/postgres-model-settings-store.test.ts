import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeModelSettingsStoreContract } from './model-settings-store.contract.ts';
import { createPostgresModelSettingsStore } from './postgres-model-settings-store.ts';

describeModelSettingsStoreContract(postgresLabel, async () =>
  createPostgresModelSettingsStore(await freshPostgres('u1', 'u2')),
);
