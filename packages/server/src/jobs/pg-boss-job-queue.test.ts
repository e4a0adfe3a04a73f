import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll } from 'vitest';
import { migratePostgres, type PostgresClient, pgPoolClient } from '../storage/index.ts';
import { describeJobQueueContract } from './job-queue.contract.ts';
import { createPgBossJobQueue } from './pg-boss-job-queue.ts';

const SERVER_URL = process.env.FAMILIAR_TEST_POSTGRES_URL;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

interface Database {
  client: PostgresClient;
  boss: PgBoss;
  schema: string;
  close(): Promise<void>;
}

/**
 * PGlite serves one connection over its socket and holds it exclusively, so our client and pg-boss share one `pg`
 * connection (pg-boss through its `db` option); against a server, each gets its own pool, in schemas of this file.
 */
async function openDatabase(): Promise<Database> {
  const suffix = randomBytes(6).toString('hex');
  if (SERVER_URL) {
    const schema = `test_${suffix}`;
    const admin = new pg.Pool({ connectionString: SERVER_URL, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: SERVER_URL, max: 4, options: `-c search_path=${schema}` });
    const client = pgPoolClient(pool);
    await migratePostgres(client);
    const bossSchema = `pgboss_${suffix}`;
    const boss = new PgBoss({
      connectionString: SERVER_URL,
      schema: bossSchema,
      max: 2,
      supervise: false,
      schedule: false,
    });
    await boss.start();
    return {
      client,
      boss,
      schema: bossSchema,
      async close() {
        await boss.stop({ graceful: false, wait: true });
        await pool.end();
      },
    };
  }
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' });
  await server.start();
  const pool = new pg.Pool({
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    max: 1,
  });
  const client = pgPoolClient(pool);
  await migratePostgres(client);
  const boss = new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => pool.query(text, values) },
    supervise: false,
    schedule: false,
  });
  await boss.start();
  return {
    client,
    boss,
    schema: 'pgboss',
    async close() {
      await boss.stop({ graceful: false, wait: true });
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}

let database: Database;
beforeAll(async () => {
  database = await openDatabase();
}, 60_000);
afterAll(async () => {
  await database?.close();
});

describeJobQueueContract(
  SERVER_URL ? 'pg-boss on PostgreSQL (server)' : 'pg-boss on PGlite',
  async (clock) => {
    await database.client.query(`DELETE FROM "${database.schema}".job`);
    return {
      queue: createPgBossJobQueue({
        boss: database.boss,
        client: database.client,
        clock,
        schema: database.schema,
      }),
    };
  },
);
