import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { databaseWithUsers } from '../../../test/support/database.ts';
import { openSqliteDatabase } from '../../storage/index.ts';
import { describeActionStoreContract } from './action-store.contract.ts';
import { createSqliteActionStore } from './action-store.ts';
import { createInMemoryActionStore } from './in-memory-action-store.ts';

const directory = mkdtempSync(join(tmpdir(), 'familiar-actions-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

describeActionStoreContract('SQLite, two connections to one file', async (clock) => {
  files += 1;
  const path = join(directory, `actions-${files}.db`);
  const first = openSqliteDatabase(path);
  const insert = first.prepare('INSERT INTO users (id, name, timezone, created_at) VALUES (?, ?, ?, 0)');
  for (const id of ['alice', 'bob']) insert.run(id, id, 'UTC');
  const second = openSqliteDatabase(path);
  return {
    actions: createSqliteActionStore(first, { clock }),
    other: createSqliteActionStore(second, { clock }),
  };
});

describeActionStoreContract('SQLite, in memory', async (clock) => {
  const store = createSqliteActionStore(databaseWithUsers('alice', 'bob'), { clock });
  return { actions: store, other: store };
});

describeActionStoreContract('in-memory fake', async (clock) => {
  const store = createInMemoryActionStore({ clock });
  return { actions: store, other: store };
});
