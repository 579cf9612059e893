/**
 * Where the ledger's PostgreSQL is, for logs and errors: host:port/database,
 * never the URL itself, whose user info holds the password.
 */
export function postgresLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return '[unparseable postgres_url]';
  }
}
