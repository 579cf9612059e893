import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isRowRefusal, isUnreachable } from './postgres-errors.js';

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('refused', 0, 'error');
  error.code = code;
  return error;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('what a PostgreSQL failure means for the ledger', () => {
  it('spools through an outage: refused or reset connections, pg timeouts, a shutdown', () => {
    const outages = [networkError('ECONNREFUSED'), networkError('ECONNRESET'), networkError('ENOTFOUND'), new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect'), new Error('Query read timeout'), databaseError('57P01'), databaseError('08006')];
    expect(outages.map(isUnreachable)).toEqual(Array(outages.length).fill(true));
  });

  it('does not mistake what an operator must fix for an outage: TLS the server does not speak, a bad port, a permission', () => {
    const mistakes = [new Error('The server does not support SSL connections'), new RangeError('options.port should be >= 0 and < 65536'), databaseError('42501'), databaseError('28P01')];
    expect(mistakes.map(isUnreachable)).toEqual(Array(mistakes.length).fill(false));
  });

  it('writes a batch row by row when PostgreSQL refused its values, or pg could not encode them', () => {
    expect([databaseError('22003'), databaseError('23505'), databaseError('P0001'), new RangeError('Invalid string length')].map(isRowRefusal)).toEqual([true, true, true, true]);
    expect([databaseError('42501'), networkError('ECONNREFUSED')].map(isRowRefusal)).toEqual([false, false]);
  });
});
