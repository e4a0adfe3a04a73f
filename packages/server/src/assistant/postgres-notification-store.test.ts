import { freshPostgres, postgresLabel } from '../../test/support/postgres.ts';
import { describeNotificationStoreContract } from './notification-store.contract.ts';
import { createPostgresNotificationStore } from './postgres-notification-store.ts';

describeNotificationStoreContract(postgresLabel, async () =>
  createPostgresNotificationStore(await freshPostgres('u1', 'u2')),
);
