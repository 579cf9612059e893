import type { HourBucket } from './admin-types';

const hourMs = 3_600_000;

/**
 * One slot per hour from `since` to now, in Unix seconds (uPlot's x), with each
 * group's buckets summed into their hour; hours with no traffic are zero, so
 * that a quiet night shows as a gap rather than being skipped.
 */
export function hourSlots(since: string, now = Date.now()): number[] {
  const first = Math.floor(Date.parse(since) / hourMs) * hourMs;
  const slots: number[] = [];
  for (let hour = first; hour <= now; hour += hourMs) slots.push(hour / 1000);
  return slots;
}

export function perHour(slots: number[], buckets: HourBucket[], value: (bucket: HourBucket) => number): number[] {
  const index = new Map(slots.map((slot, position) => [slot, position]));
  const sums = slots.map(() => 0);
  for (const bucket of buckets) {
    const position = index.get(Date.parse(bucket.hour) / 1000);
    if (position !== undefined) sums[position] = (sums[position] ?? 0) + value(bucket);
  }
  return sums;
}

export const sum = (buckets: HourBucket[], value: (bucket: HourBucket) => number): number => buckets.reduce((total, bucket) => total + value(bucket), 0);
