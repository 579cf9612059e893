import type { IncomingHttpHeaders } from 'node:http';

/** Hears an upstream response's status and headers as soon as they arrive (a success's, an error's, a stream's). */
export type UpstreamResponseObserver = (status: number, headers: IncomingHttpHeaders) => void;

/**
 * Observers by the abort signal the request is sent with: each upstream attempt
 * has a signal of its own (failover makes one per attempt, adapters send with it),
 * so an attempt's responses reach its observer without any adapter knowing.
 * Weak, so an attempt's entry goes with it.
 */
const observers = new WeakMap<AbortSignal, UpstreamResponseObserver>();

export function observeUpstreamResponses(signal: AbortSignal, observer: UpstreamResponseObserver): void {
  observers.set(signal, observer);
}

export function noteUpstreamResponse(signal: AbortSignal, status: number, headers: IncomingHttpHeaders): void {
  observers.get(signal)?.(status, headers);
}
