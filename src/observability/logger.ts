import { once } from 'node:events';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LoggingConfig } from '../config/observability-schema.js';
import { openRotatingLogFile, type LogBuffer } from './rotating-log-file.js';

/** Log lines wait at most this long in a buffer before they are written. */
const flushIntervalMs = 200;
/** One write per this many bytes, instead of a thread-pool write per line. */
const writeChunkBytes = 4096;
/** Past this much unwritten log, a destination drops lines rather than grow the heap or block requests. */
const maxBufferedBytes = 16 * 1024 * 1024;
const redactedPaths = ['*.authorization', '*.api_key', '*.apiKey', '*["x-api-key"]'];

export interface OwnedLogger {
  logger: Logger;
  /** Stops the flush timer, writes what is buffered, and closes the log file. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** Hears of lines dropped because a destination could not keep up. */
  onDropped?(count: number): void;
  /** The file descriptor written as stdout: 1 unless a test points it elsewhere. */
  stdoutFd?: number;
}

/**
 * The gateway's log: JSON (or, with `format: pretty`, human lines) on stdout,
 * and always JSON in the rotated `file` when one is set. Each destination is
 * buffered and written asynchronously: one write per 4 KB (or per flush
 * interval) instead of a thread-pool write per line, which cost about a fifth
 * of the gateway's CPU per request. Buffers are bounded: if a destination
 * stops draining, lines past 16 MiB are dropped and reported to `onDropped`.
 * Nothing on the request path logs headers, keys or message content; the
 * redact paths are a second line of defence.
 */
export async function createLogger(config: LoggingConfig, options: LoggerOptions = {}): Promise<OwnedLogger> {
  const { onDropped } = options;
  const file = config.file
    ? await openRotatingLogFile({
        path: config.file,
        maxBytes: config.max_bytes,
        maxFiles: config.max_files,
        minLength: writeChunkBytes,
        maxLength: maxBufferedBytes,
      })
    : undefined;
  if (file) watch(file, onDropped);
  const stdout = config.stdout
    ? pino.destination({ dest: options.stdoutFd ?? 1, sync: false, minLength: writeChunkBytes, maxLength: maxBufferedBytes })
    : undefined;
  if (stdout) watch(stdout, onDropped);

  const buffers = [stdout, file].filter((buffer) => buffer !== undefined);
  const streams: DestinationStream[] = [];
  if (stdout) streams.push(config.format === 'pretty' ? await prettyLines(stdout, options.stdoutFd === undefined) : stdout);
  let fileOpen = file !== undefined;
  // Once closed, late lines (a health check, a request still ending) are let go instead of throwing at their caller.
  if (file) streams.push({ write: (line) => fileOpen && file.write(line) });

  const logger = pino(
    {
      level: config.level,
      enabled: streams.length > 0,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    joined(streams),
  );
  const timer = buffers.length > 0 ? setInterval(() => buffers.forEach((buffer) => buffer.flush()), flushIntervalMs).unref() : undefined;

  let closing: Promise<void> | undefined;
  const close = async () => {
    clearInterval(timer);
    fileOpen = false;
    await Promise.all([stdout && flushed(stdout), file && flushed(file).then(() => ended(file))]);
  };
  return { logger, close: () => (closing ??= close()) };
}

/** Pretty-printed lines written through the same bounded stdout buffer, so that drops are still counted. */
async function prettyLines(stdout: LogBuffer, toTerminal: boolean): Promise<DestinationStream> {
  const { prettyFactory, isColorSupported } = await import('pino-pretty');
  const prettify = prettyFactory({ colorize: toTerminal && isColorSupported });
  return { write: (line) => stdout.write(prettify(line)) };
}

function joined(streams: DestinationStream[]): DestinationStream {
  if (streams.length > 1) return pino.multistream(streams.map((stream) => ({ stream, level: 'trace' as const })));
  return streams[0] ?? { write: () => undefined };
}

function watch(buffer: LogBuffer, onDropped: ((count: number) => void) | undefined): void {
  if (onDropped) buffer.on('drop', () => onDropped(1));
  // Without a listener a write error (disk full, stdout closed) would crash the gateway; say so once, on stderr, since the log is what failed.
  let reported = false;
  buffer.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`tokenpak: a log destination failed, its lines may be lost: ${error.message}\n`);
  });
}

/** Resolves when what was buffered is written (whether or not the descriptor could be fsynced: pipes and terminals cannot). */
function flushed(buffer: LogBuffer): Promise<void> {
  return new Promise((resolve) => buffer.flush(() => resolve()));
}

async function ended(buffer: LogBuffer): Promise<void> {
  const closed = once(buffer, 'close');
  buffer.end();
  await closed;
}
