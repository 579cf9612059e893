import pg from 'pg';

/** SQLSTATE classes of a statement refused for the values of its rows: data exception, integrity, a trigger's RAISE, a limit. */
const rowRefusalClasses = new Set(['22', '23', 'P0', '54']);

/** SQLSTATE classes that mean the server cannot be used now: connection, resources, operator intervention (shutdown), system. */
const unreachableClasses = new Set(['08', '53', '57', '58']);

/** PostgreSQL refused the statement for the values it carried: written alone, each row either goes in or is refused alone. */
export function isRowRefusal(error: unknown): boolean {
  return error instanceof pg.DatabaseError && rowRefusalClasses.has(sqlStateClass(error));
}

/** The server could not be reached or used (as opposed to an answer about the statement). */
export function isUnreachable(error: unknown): boolean {
  return !(error instanceof pg.DatabaseError) || unreachableClasses.has(sqlStateClass(error));
}

/**
 * What to say of a failure: the SQLSTATE and PostgreSQL's message, or the
 * client's message. Never pg's `detail`, `where` or the error object, which
 * quote the row's values.
 */
export function failureReason(error: unknown): string {
  if (error instanceof pg.DatabaseError) return `${error.code ?? ''} ${error.message}`.trim();
  return error instanceof Error ? error.message : String(error);
}

function sqlStateClass(error: pg.DatabaseError): string {
  return (error.code ?? '').slice(0, 2);
}
