import type { AdapterContext } from '../../src/core/adapter-context.js';
import { LightSignal } from '../../src/core/light-signal.js';

/** An attempt's abort as the gateway hands it to adapters: one signal, seen as an AbortSignal and as itself. */
export function attemptSignals(): Pick<AdapterContext, 'signal' | 'upstreamSignal'> {
  const signal = new LightSignal();
  return { signal: signal.asAbortSignal(), upstreamSignal: signal };
}
