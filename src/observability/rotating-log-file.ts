import { once } from 'node:events';
import type { pino } from 'pino';

export type LogBuffer = ReturnType<typeof pino.destination>;

export interface RotatingLogFileOptions {
  path: string;
  maxBytes: number;
  /** Rotated files kept beside the one being written. */
  maxFiles: number;
  /** Bytes gathered before a write, and the most that may wait unwritten (more is dropped). */
  minLength: number;
  maxLength: number;
}

/**
 * Opens the log file through pino-roll, which writes `<name>.<n>.<ext>` and
 * moves on to `<n + 1>` once a file reaches `maxBytes`, without losing what is
 * written during the switch (lines buffer while the next file opens). Old
 * rotations are deleted whichever run wrote them, so restarts cannot pile
 * files up. Resolves once the file is open, so a path that cannot be written
 * fails at start-up rather than on the first request.
 */
export async function openRotatingLogFile(options: RotatingLogFileOptions): Promise<LogBuffer> {
  const { default: roll } = await import('pino-roll');
  const file = await roll({
    file: options.path,
    size: `${options.maxBytes}b`,
    limit: { count: options.maxFiles, removeOtherLogFiles: true },
    mkdir: true,
    minLength: options.minLength,
    maxLength: options.maxLength,
  });
  await once(file, 'ready');
  return file;
}
