/**
 * Durations as OpenAI's `x-ratelimit-reset-*` headers write them (Go's
 * duration format): `20ms`, `1s`, `1m30.5s`, `6m0s`, `23h47m36.648s`.
 */

const msPerSecond = 1_000;
const msPerMinute = 60_000;
const msPerHour = 3_600_000;

/** `ms` (rounded up to a whole millisecond) in OpenAI's format. */
export function formatOpenAIDuration(ms: number): string {
  const whole = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : 0;
  if (whole === 0) return '0s';
  if (whole < msPerSecond) return `${whole}ms`;
  const hours = Math.floor(whole / msPerHour);
  const minutes = Math.floor((whole % msPerHour) / msPerMinute);
  const seconds = String((whole % msPerMinute) / msPerSecond);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

const unitMs: Readonly<Record<string, number>> = { h: msPerHour, m: msPerMinute, s: msPerSecond, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000_001 };
const wholeDuration = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const durationPart = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const plainSeconds = /^\d+(?:\.\d+)?$/;

/** A duration in OpenAI's format, or plain seconds (as some OpenAI-compatible servers send), in ms; undefined when it is neither. */
export function parseOpenAIDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (plainSeconds.test(trimmed)) return Math.round(Number(trimmed) * msPerSecond * 1000) / 1000;
  if (!wholeDuration.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(durationPart)) total += Number(amount) * (unitMs[unit as string] as number);
  // Decimal seconds are not exact in binary: to the microsecond is as fine as any provider writes.
  return Math.round(total * 1000) / 1000;
}
