/**
 * Whether a parsed JSON value nests deeper than `limit` objects or arrays.
 * Iterative, so that the check itself cannot exhaust the stack, and it stops at
 * the first value past the limit.
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}
