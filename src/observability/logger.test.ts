import { open, readdir, readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loggingSchema, type LoggingConfig } from '../config/observability-schema.js';
import { createLogger, type OwnedLogger } from './logger.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function loggingConfig(overrides: Partial<LoggingConfig>): LoggingConfig {
  return { ...loggingSchema.parse({}), ...overrides };
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'tokenpak-logger-'));
}

/** A file standing in for stdout, read back once the logger is closed. */
async function fakeStdout(): Promise<{ fd: number; text(): Promise<string> }> {
  const file = path.join(await tempDir(), 'stdout');
  const handle = await open(file, 'w');
  cleanups.push(() => handle.close());
  return { fd: handle.fd, text: () => readFile(file, 'utf8') };
}

async function started(config: LoggingConfig, options: Parameters<typeof createLogger>[1] = {}): Promise<OwnedLogger> {
  const owned = await createLogger(config, options);
  cleanups.push(() => owned.close());
  return owned;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function rotationNumber(fileName: string): number {
  return Number(/\.(\d+)\.log$/.exec(fileName)?.[1]);
}

/** Writes numbered lines a batch per event-loop turn (as traffic would) until the log has reached file number `untilFile`. */
async function writeUntilRotated(owned: OwnedLogger, dir: string, untilFile: number): Promise<number> {
  let written = 0;
  for (let turn = 0; turn < 100_000; turn++) {
    const numbers = (await readdir(dir)).map(rotationNumber);
    if (Math.max(...numbers) >= untilFile) return written;
    for (let i = 0; i < 20; i++) owned.logger.info({ line: written++ }, 'request');
    await nextTurn();
  }
  throw new Error(`the log never reached file ${untilFile}`);
}

async function linesInDir(dir: string): Promise<Record<string, unknown>[]> {
  const names = await readdir(dir);
  const texts = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
  return texts.flatMap(jsonLines);
}

describe('createLogger', () => {
  it('writes JSON lines with an ISO time to stdout', async () => {
    const stdout = await fakeStdout();
    const owned = await started(loggingConfig({}), { stdoutFd: stdout.fd });
    owned.logger.info({ provider: 'openai' }, 'hello');
    await owned.close();
    const [line] = jsonLines(await stdout.text());
    expect(line).toMatchObject({ level: 30, msg: 'hello', provider: 'openai' });
    expect(new Date(line?.time as string).toISOString()).toBe(line?.time);
  });

  it('writes nothing to stdout with stdout: false, and the file still gets the line', async () => {
    const stdout = await fakeStdout();
    const dir = await tempDir();
    const owned = await started(loggingConfig({ stdout: false, file: path.join(dir, 'tokenpak.log') }), { stdoutFd: stdout.fd });
    owned.logger.info('only in the file');
    await owned.close();
    expect(await stdout.text()).toBe('');
    expect((await linesInDir(dir)).map((line) => line.msg)).toEqual(['only in the file']);
  });

  it('writes human lines to stdout with format: pretty, and JSON to the file', async () => {
    const stdout = await fakeStdout();
    const dir = await tempDir();
    const owned = await started(loggingConfig({ format: 'pretty', file: path.join(dir, 'tokenpak.log') }), { stdoutFd: stdout.fd });
    owned.logger.info({ provider: 'openai' }, 'request');
    await owned.close();
    const printed = await stdout.text();
    expect(printed).toMatch(/INFO.*request/);
    expect(printed).toContain('provider: "openai"');
    expect(() => JSON.parse(printed.split('\n')[0] ?? '')).toThrow();
    expect(await linesInDir(dir)).toMatchObject([{ msg: 'request', provider: 'openai' }]);
  });

  it('names the rotations after the configured file, and keeps every line while rotating', async () => {
    const dir = await tempDir();
    const owned = await started(loggingConfig({ stdout: false, file: path.join(dir, 'tokenpak.log'), max_bytes: 1024, max_files: 1000 }));
    const written = await writeUntilRotated(owned, dir, 8);
    await owned.close();
    const names = await readdir(dir);
    expect(names.every((name) => /^tokenpak\.\d+\.log$/.test(name))).toBe(true);
    expect(names.length).toBeGreaterThanOrEqual(8);
    const numbers = (await linesInDir(dir)).map((line) => line.line as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: written }, (_, index) => index));
  });

  it('keeps at most max_files rotated files, deleting those of earlier runs too', async () => {
    const dir = await tempDir();
    for (const number of [1, 2, 3, 4]) await writeFile(path.join(dir, `tokenpak.${number}.log`), '{"msg":"earlier run"}\n');
    const owned = await started(loggingConfig({ stdout: false, file: path.join(dir, 'tokenpak.log'), max_bytes: 1024, max_files: 2 }));
    await writeUntilRotated(owned, dir, 10);
    await owned.close();
    // Old rotations are deleted asynchronously after each switch: wait for the last deletion.
    await vi.waitFor(async () => expect((await readdir(dir)).length).toBeLessThanOrEqual(3), { timeout: 10_000 });
    const numbers = (await readdir(dir)).map(rotationNumber);
    expect(Math.min(...numbers)).toBeGreaterThan(4);
  });

  it('fails at start-up when the log file cannot be opened', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'not-a-directory'), '');
    await expect(createLogger(loggingConfig({ stdout: false, file: path.join(dir, 'not-a-directory', 'tokenpak.log') }))).rejects.toThrow();
  });

  it('drops lines past the buffer bound and counts each one', async () => {
    const stdout = await fakeStdout();
    let dropped = 0;
    const owned = await started(loggingConfig({}), { stdoutFd: stdout.fd, onDropped: (count) => (dropped += count) });
    const megabyte = 'x'.repeat(1024 * 1024);
    // Written in one turn, so that nothing drains meanwhile: 20 MiB against a 16 MiB bound.
    for (let line = 0; line < 20; line++) owned.logger.info({ line, padding: megabyte }, 'big');
    await owned.close();
    const kept = jsonLines(await stdout.text()).length;
    expect(dropped).toBeGreaterThan(0);
    expect(kept + dropped).toBe(20);
  });

  it('redacts authorization and api key fields', async () => {
    const stdout = await fakeStdout();
    const owned = await started(loggingConfig({}), { stdoutFd: stdout.fd });
    owned.logger.info(
      { headers: { authorization: 'Bearer sk-client-secret', 'x-api-key': 'sk-header-secret' }, provider: { api_key: 'sk-provider-secret', apiKey: 'sk-camel-secret' } },
      'upstream call',
    );
    await owned.close();
    const text = await stdout.text();
    expect(text).not.toMatch(/sk-\w+-secret/);
    expect(jsonLines(text)[0]).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
      provider: { api_key: '[redacted]', apiKey: '[redacted]' },
    });
  });

  it('lets lines logged after close go without throwing', async () => {
    const dir = await tempDir();
    const owned = await started(loggingConfig({ stdout: false, file: path.join(dir, 'tokenpak.log') }));
    await owned.close();
    expect(() => owned.logger.warn('late')).not.toThrow();
  });
});
