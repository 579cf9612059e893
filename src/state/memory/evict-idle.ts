/** How many of the entries at the front are looked at for one to drop. */
const scanLimit = 16;

/**
 * Drops one idle entry of a Map: the first of the few at its front (the
 * oldest, or the least recently used) that `isIdle` lets go. Those it
 * passes over move to the back, so that the next call looks at others.
 * Returns false when none of them could go: the caller then keeps the new entry
 * anyway, since dropping a live one would forget what it holds (a budget's
 * spend, a bucket's debt).
 */
export function evictIdle<K, V>(entries: Map<K, V>, isIdle: (value: V) => boolean): boolean {
  for (let looked = 0; looked < scanLimit && looked < entries.size; looked++) {
    const oldest = entries.entries().next().value as [K, V];
    entries.delete(oldest[0]);
    if (isIdle(oldest[1])) return true;
    entries.set(oldest[0], oldest[1]);
  }
  return false;
}
