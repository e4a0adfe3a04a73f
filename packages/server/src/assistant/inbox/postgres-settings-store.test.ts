import { describe, expect, it } from 'vitest';
import { freshPostgres, postgresLabel } from '../../../test/support/postgres.ts';
import { createPostgresSettingsStore } from './postgres-settings-store.ts';
import { describeSettingsStoreContract } from './settings-store.contract.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');

describeSettingsStoreContract(postgresLabel, async () =>
  createPostgresSettingsStore(await freshPostgres('alice', 'bob')),
);

describe('PostgreSQL settings store', () => {
  it('says so when the stored document is damaged, rather than guessing, and changes nothing', async () => {
    const client = await freshPostgres('alice', 'bob');
    const settings = createPostgresSettingsStore(client);
    await client.query('INSERT INTO assistant_settings (user_id, settings, updated_at) VALUES ($1, $2, $3)', [
      'alice',
      '{"maxPerHour": "lots"}',
      T0,
    ]);
    await expect(settings.get('alice')).rejects.toMatchObject({ code: 'storage_failed' });
    await expect(settings.set('alice', { maxPerHour: 2 }, T0 + 1)).rejects.toMatchObject({
      code: 'storage_failed',
    });
    await client.query('INSERT INTO assistant_settings (user_id, settings, updated_at) VALUES ($1, $2, $3)', [
      'bob',
      'null',
      T0,
    ]);
    await expect(settings.get('bob')).rejects.toMatchObject({ code: 'storage_failed' });
    expect(
      (await client.query('SELECT settings FROM assistant_settings WHERE user_id = $1', ['alice'])).rows,
    ).toEqual([{ settings: { maxPerHour: 'lots' } }]);
  });

  it('records when the settings last changed', async () => {
    const client = await freshPostgres('alice');
    await createPostgresSettingsStore(client).set('alice', { maxPerHour: 2 }, T0 + 5);
    expect(
      (await client.query('SELECT updated_at FROM assistant_settings WHERE user_id = $1', ['alice'])).rows,
    ).toEqual([{ updated_at: T0 + 5 }]);
  });
});
