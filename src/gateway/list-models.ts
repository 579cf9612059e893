import type { ModelInfo } from '../core/types.js';
import type { VirtualKeyRecord } from '../state/key-store.js';
import type { GatewayRuntime } from './runtime.js';

const listingTimeoutMs = 5_000;

/**
 * Every model the config can route: configured `models:` plus what each provider
 * reports, named so that sending the id back routes it to that provider (the
 * bare id when routing already picks that provider for it, else `provider/model`).
 * A provider that cannot be asked contributes its configured list only. With
 * a virtual key, only the models it may use.
 */
export async function listRoutableModels(
  runtime: GatewayRuntime,
  client: { clientApiKey?: string; signal?: AbortSignal; virtualKey?: VirtualKeyRecord },
): Promise<ModelInfo[]> {
  const signal = client.signal ? AbortSignal.any([client.signal, AbortSignal.timeout(listingTimeoutMs)]) : AbortSignal.timeout(listingTimeoutMs);
  // A virtual key stays in the gateway, even for providers with `forward_client_key`.
  const forwardedKey = client.virtualKey ? undefined : client.clientApiKey;
  const listings = await Promise.all(
    [...runtime.adapters].map(async ([provider, adapter]) => {
      try {
        return { provider, models: await adapter.listModels({ clientApiKey: forwardedKey, signal }) };
      } catch (error) {
        runtime.logger.debug({ provider, err: error }, 'could not list models');
        return { provider, models: adapter.options.models ?? [] };
      }
    }),
  );
  const created = Math.floor(Date.now() / 1000);
  const byId = new Map<string, ModelInfo>();
  for (const { provider, models } of listings) {
    for (const model of models) {
      const routedHere = runtime.router.candidatesFor(model)[0]?.provider === provider;
      const id = routedHere ? model : `${provider}/${model}`;
      if (client.virtualKey && !runtime.keys.allows(client.virtualKey, id)) continue;
      if (!byId.has(id)) byId.set(id, { id, object: 'model', created, owned_by: provider });
    }
  }
  return [...byId.values()];
}
