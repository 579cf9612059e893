/** pino-roll ships no types: this covers the part of its API the gateway uses. */
declare module 'pino-roll' {
  import type { pino } from 'pino';

  interface RollOptions {
    /** The log's path; rotations are named `<path without extension>.<n>.<extension>`. */
    file: string;
    /** A number is read as MiB; a string may end in `b`, `k`, `m` or `g`. */
    size?: number | string;
    limit?: { count: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    minLength?: number;
    maxLength?: number;
  }

  /** Opens the log's newest numbered file (creating the first) and rolls on to the next past `size`. */
  export default function roll(options: RollOptions): Promise<ReturnType<typeof pino.destination>>;
}
