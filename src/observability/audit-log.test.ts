import { open, readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loggingSchema, type LoggingConfig } from '../config/observability-schema.js';
import { AuditLog } from './audit-log.js';
import { createLogger } from './logger.js';
import type { RecordContent, RequestRecord } from './request-record.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const record: RequestRecord = {
  time: '2025-06-01T12:00:00.000Z',
  request_id: 'req-123',
  api: 'chat',
  key_id: 'k-9f2c',
  user: 'alice',
  provider: 'backup',
  provider_type: 'anthropic',
  model_requested: 'gpt-4o',
  model_served: 'claude-sonnet-4-5',
  prompt_hash: 'a'.repeat(64),
  stream: true,
  prompt_tokens: 120,
  completion_tokens: 30,
  cached_read_tokens: 100,
  cached_write_tokens: 0,
  response_chars: 140,
  cost_usd: 0.00123,
  saved_usd: 0.00405,
  saved_tokens: 1500,
  latency_ms: 812,
  ttft_ms: 240,
  upstream_ms: 790,
  overhead_ms: 1.4,
  cache: 'miss',
  status: 200,
  error_type: null,
  error_code: null,
  attempts: [
    { provider: 'primary', model: 'gpt-4o', outcome: 'failed', status: 502, upstream_status: 503, duration_ms: 20 },
    { provider: 'backup', model: 'claude-sonnet-4-5', outcome: 'ok', status: 200, upstream_status: 200, duration_ms: 770 },
  ],
};
const content: RecordContent = { prompt: [{ role: 'user', content: 'the secret plan' }], response: 'the answer text' };

/** An audit log over a real logger whose stdout is a file, and the lines it wrote. */
async function auditLog(includeContent: boolean, logging: Partial<LoggingConfig> = {}): Promise<{ audit: AuditLog; written(): Promise<string> }> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'tokenpak-audit-')), 'stdout');
  const stdout = await open(file, 'w');
  const owned = await createLogger({ ...loggingSchema.parse({}), ...logging }, { stdoutFd: stdout.fd });
  cleanups.push(() => stdout.close());
  return {
    audit: new AuditLog(owned.logger, includeContent),
    written: async () => {
      await owned.close();
      return readFile(file, 'utf8');
    },
  };
}

function onlyLine(text: string): Record<string, unknown> {
  const lines = text.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

describe('AuditLog', () => {
  it('writes one info line per request carrying every field of the record', async () => {
    const { audit, written } = await auditLog(false);
    audit.requestEnded(record, undefined);
    const text = await written();
    const line = onlyLine(text);
    expect(line).toMatchObject({ level: 30, msg: 'request' });
    // The record's time (when the request ended) is the line's: one `time` key.
    expect(line).toEqual({ level: 30, ...record, msg: 'request' });
    expect(text.match(/"time":/g)).toHaveLength(1);
  });

  it('leaves out the prompt and the answer without include_content, even when given them', async () => {
    const { audit, written } = await auditLog(false);
    audit.requestEnded(record, content);
    const text = await written();
    expect(text).not.toContain('the secret plan');
    expect(text).not.toContain('the answer text');
    expect(onlyLine(text)).not.toHaveProperty('prompt');
  });

  it('carries the prompt and the answer with include_content', async () => {
    const { audit, written } = await auditLog(true);
    audit.requestEnded(record, content);
    expect(onlyLine(await written())).toMatchObject({ request_id: 'req-123', prompt: content.prompt, response: 'the answer text' });
  });

  it('writes no content fields with include_content when the request had none to give', async () => {
    const { audit, written } = await auditLog(true);
    audit.requestEnded(record, undefined);
    const line = onlyLine(await written());
    expect(line).not.toHaveProperty('prompt');
    expect(line).not.toHaveProperty('response');
  });

  it('writes its line to stdout and the log file alike, first line included', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-audit-both-'));
    const stdout = await open(path.join(dir, 'stdout'), 'w');
    cleanups.push(() => stdout.close());
    const owned = await createLogger({ ...loggingSchema.parse({}), file: path.join(dir, 'audit.log') }, { stdoutFd: stdout.fd });
    new AuditLog(owned.logger, false).requestEnded(record, undefined);
    await owned.close();
    expect(onlyLine(await readFile(path.join(dir, 'stdout'), 'utf8'))).toMatchObject({ request_id: 'req-123', msg: 'request' });
    expect(onlyLine(await readFile(path.join(dir, 'audit.1.log'), 'utf8'))).toMatchObject({ request_id: 'req-123', msg: 'request' });
  });

  it('writes nothing when the log level is above info', async () => {
    const { audit, written } = await auditLog(false, { level: 'warn' });
    audit.requestEnded(record, undefined);
    expect(await written()).toBe('');
  });
});
