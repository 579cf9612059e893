import type { IncomingHttpHeaders } from 'node:http';
import { parseOpenAIDuration } from './openai-duration.js';

/** A provider's own word that it will refuse requests until a time: what it said, and until when (Unix ms). */
export interface ProviderPause {
  readonly untilMs: number;
  /** The header that said so, e.g. `x-ratelimit-remaining-requests: 0`. */
  readonly reason: string;
}

/** A provider that asks for a longer pause (a day's quota used up) is asked again after this, rather than trusted blindly. */
export const maxPauseMs = 3_600_000;

/** OpenAI's (and most OpenAI-compatible servers'): remaining count, and a duration until reset. */
const durationLimits = [
  ['x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  ['x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
] as const;

/** Anthropic's: remaining count, and an RFC 3339 time of reset. */
const timestampLimits = [
  ['anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
  ['anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
  ['anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  ['anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
] as const;

/**
 * What a provider's response says of its own limits: a pause until the latest
 * reset of a limit it says is used up (remaining 0), or until its 429's
 * `retry-after-ms` / `retry-after` (seconds or an HTTP date). Undefined when
 * it says nothing of the kind. Pure: `now` is Unix ms.
 */
export function providerPauseOf(status: number, headers: IncomingHttpHeaders, now: number): ProviderPause | undefined {
  let pause: ProviderPause | undefined;
  const consider = (untilMs: number | undefined, reason: string) => {
    if (untilMs === undefined || !Number.isFinite(untilMs) || untilMs <= now) return;
    const capped = Math.min(untilMs, now + maxPauseMs);
    if (!pause || capped > pause.untilMs) pause = { untilMs: capped, reason };
  };
  for (const [remainingName, resetName] of durationLimits) {
    if (!usedUp(headers[remainingName])) continue;
    const reset = first(headers[resetName]);
    const resetMs = reset === undefined ? undefined : parseOpenAIDuration(reset);
    consider(resetMs === undefined ? undefined : now + resetMs, `${remainingName}: 0`);
  }
  for (const [remainingName, resetName] of timestampLimits) {
    if (!usedUp(headers[remainingName])) continue;
    const reset = first(headers[resetName]);
    consider(reset === undefined ? undefined : Date.parse(reset), `${remainingName}: 0`);
  }
  if (status === 429) {
    const retryAfterMs = retryAfterMsOf(headers, now);
    consider(retryAfterMs === undefined ? undefined : now + retryAfterMs, 'HTTP 429 with retry-after');
  }
  return pause;
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
function retryAfterMsOf(headers: IncomingHttpHeaders, now: number): number | undefined {
  const precise = Number(first(headers['retry-after-ms']));
  if (first(headers['retry-after-ms']) !== undefined && Number.isFinite(precise) && precise >= 0) return precise;
  const text = first(headers['retry-after'])?.trim();
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date - now;
}

/** Exactly 0 left; a negative count (Azure's -1) means the provider does not say. */
function usedUp(value: string | string[] | undefined): boolean {
  const text = first(value)?.trim();
  return text !== undefined && text !== '' && Number(text) === 0;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
