import pg from 'pg';
import { isUnreachable } from './postgres-errors.js';

/**
 * Runs `use` with one of the pool's connections. While a connection is
 * checked out, pg-pool no longer listens for its errors, and PostgreSQL may
 * end it between two statements (a shutdown): unheard, that 'error' event
 * would end the process. Heard here, it is the next statement that fails. A
 * connection that failed other than by PostgreSQL answering a statement (a
 * timeout, a lost socket, a shutdown) leaves the pool instead of going back.
 */
export async function withClient<T>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    return await use(client);
  } catch (error) {
    if (!(error instanceof pg.DatabaseError) || isUnreachable(error)) lost ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
