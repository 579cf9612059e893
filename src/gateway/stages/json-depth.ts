/**
 * Whether a parsed JSON value nests deeper than `limit` objects or arrays. The
 * recursion itself goes at most `limit` deep before it answers, so the check
 * cannot exhaust the stack, and it stops at the first value past the limit.
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (exceedsDepth(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (exceedsDepth((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}
