import type { IncomingHttpHeaders } from 'node:http';
import type { AbortLike } from '../../core/light-signal.js';

/** Hears an upstream response's status and headers as soon as they arrive (a success's, an error's, a stream's). */
export interface UpstreamResponseObserver {
  responded(status: number, headers: IncomingHttpHeaders): void;
}

/**
 * The observer travels on the abort signal the request is sent with: each
 * upstream attempt has a signal of its own (failover makes one per attempt,
 * adapters send with it), so an attempt's responses reach its observer without
 * any adapter knowing. A property rather than a WeakMap entry: it goes with the
 * signal, and costs the garbage collector nothing to track.
 */
const observerKey = Symbol('tokenpak.upstreamResponseObserver');

type ObservedSignal = AbortLike & { [observerKey]?: UpstreamResponseObserver };

export function observeUpstreamResponses(signal: AbortLike, observer: UpstreamResponseObserver): void {
  (signal as ObservedSignal)[observerKey] = observer;
}

export function noteUpstreamResponse(signal: AbortLike, status: number, headers: IncomingHttpHeaders): void {
  (signal as ObservedSignal)[observerKey]?.responded(status, headers);
}
