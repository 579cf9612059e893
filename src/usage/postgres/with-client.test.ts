import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../bench/lib/postgres-server.mjs';
import { withClient } from './with-client.js';

let server: TestPostgres;
let url: string;

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
});
afterAll(async () => {
  await server?.destroy();
});

describe('withClient', () => {
  it('survives PostgreSQL ending a checked-out connection between two statements, and drops that connection from the pool', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const outcome = withClient(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // What a shutdown does to every session: the server ends it while this code holds it, between statements.
        const closed = new Promise((resolve) => (client as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream.once('close', resolve));
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await closed;
        return client.query('SELECT 1');
      });
      await expect(outcome).rejects.toThrow();
      expect(pool.totalCount).toBe(0);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await pool.end();
    }
  });

  it('gives a connection back to the pool after PostgreSQL refused a statement on it', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await expect(withClient(pool, (client) => client.query('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
      expect([pool.totalCount, pool.idleCount]).toEqual([1, 1]);
    } finally {
      await pool.end();
    }
  });
});
