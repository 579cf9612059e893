/** A token count as a provider reports it; missing, null or not a finite non-negative number reads as zero. */
export function reportedCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
