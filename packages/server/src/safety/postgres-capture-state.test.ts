import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeCaptureStateStoreContract } from './capture-state.contract.ts';
import { createPostgresCaptureStateStore } from './postgres-capture-state.ts';

describeCaptureStateStoreContract(postgresLabel, async () =>
  createPostgresCaptureStateStore(await freshPostgres('u1', 'u2')),
);
