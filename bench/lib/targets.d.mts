import type { Bucket } from './prometheus-histogram.mjs';

export interface LoadRow {
  target: string;
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  throughput: number;
}
export interface BenchRows {
  open: Array<LoadRow & { rate: number }>;
  closed: Array<LoadRow & { cpuPerRequest: number; rss: number }>;
  closedStream: Array<LoadRow & { cpuPerRequest: number }>;
  streams: Array<{ target: string; run: number; streams: number; errors: number; ttfbP50: number; ttfbP99: number; rss: number; rssAfter: number }>;
}
export interface JudgedTarget {
  target: string;
  measured: string;
  met: boolean | undefined;
  gap: string | undefined;
}
export declare function judgeTargets(run: { rows: BenchRows; rate: number; overhead: Bucket[] | undefined; redis: boolean }): JudgedTarget[];
export declare function renderTargets(judged: JudgedTarget[]): string[];
