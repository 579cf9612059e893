/** A throwaway PostgreSQL cluster on a free loopback port (see postgres-server.mjs). */
export interface TestPostgres {
  /** `postgres://tokenpak@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** The postmaster's pid (its backends are its children); undefined while stopped. */
  readonly pid: number | undefined;
  /** A new, empty database on this server; its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** A fast shutdown: clients are disconnected, committed data is kept. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster: a crash; the next start recovers. */
  kill(): Promise<void>;
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
}
export function startPostgres(): Promise<TestPostgres>;
export function postgresBinDir(): string | undefined;
