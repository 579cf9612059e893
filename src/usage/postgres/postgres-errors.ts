import pg from 'pg';

/** SQLSTATE classes of a statement refused for the values of its rows: data exception, integrity, a trigger's RAISE, a limit. */
const rowRefusalClasses = new Set(['22', '23', 'P0', '54']);

/** SQLSTATE classes that mean the server cannot be used now: connection, resources, operator intervention (shutdown), system. */
const unreachableClasses = new Set(['08', '53', '57', '58']);

/** Socket and name-lookup failures: the server, or the way to it, is away. */
const networkErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** What pg and pg-pool say when a connection ends, or an answer or a connection does not come in time. */
const connectionLostMessages = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed)/;

/**
 * The statement was refused for the values it carried: PostgreSQL's answer, or
 * a row pg could not even encode (a RangeError for a string past V8's limit).
 * Written alone, each row either goes in or is refused alone.
 */
export function isRowRefusal(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  return error instanceof pg.DatabaseError && rowRefusalClasses.has(sqlStateClass(error));
}

/**
 * The server could not be reached or used now: a failure that passes by
 * itself. Anything else (a malformed URL, TLS the server does not speak, a
 * permission) needs an operator.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return unreachableClasses.has(sqlStateClass(error));
  if (!(error instanceof Error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  return (code !== undefined && networkErrorCodes.has(code)) || connectionLostMessages.test(error.message);
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
