import { pino, type Logger } from 'pino';

/**
 * JSON logs on stdout, written asynchronously so that logging never blocks a
 * request. Nothing on the request path logs headers, keys or message content.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['*.authorization', '*.api_key', '*.apiKey', '*["x-api-key"]'], censor: '[redacted]' },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
