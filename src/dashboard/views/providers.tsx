import { useRef, useState } from 'preact/hooks';
import { useDialogKeys } from '../use-dialog-keys';
import type { AdminApi } from '../api';
import type { List, ProviderState } from '../admin-types';
import { ms, percent } from '../format';
import { usePoll } from '../use-poll';
import { Status } from './overview';

type Forced = 'up' | 'down' | 'auto';

interface Pending {
  provider: string;
  state: Forced;
}

const describeForce: Record<Forced, string> = {
  up: 'send it traffic whatever its breaker says',
  down: 'send it nothing; its traffic goes to the fallbacks',
  auto: 'let its breaker and health checks decide again',
};

/** Each provider's health, with the operator's override (POST /admin/providers/<name>/state) behind a confirmation. */
export function ProvidersView({ api }: { api: AdminApi }) {
  const providers = usePoll(() => api.json<List<ProviderState>>('/admin/providers'), 'providers');
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  const force = async ({ provider, state }: Pending) => {
    setPending(null);
    try {
      await api.json(`/admin/providers/${encodeURIComponent(provider)}/state`, { method: 'POST', body: JSON.stringify({ state }) });
      setOutcome(`${provider} is now forced ${state}.`);
    } catch (error) {
      setOutcome(`Could not change ${provider}: ${(error as Error).message}`);
    }
    providers.reload();
  };

  if (!providers.data) return <Status error={providers.error} />;
  return (
    <>
      {providers.error && <Status error={providers.error} />}
      {outcome && <p role="status">{outcome}</p>}
      {pending && <Confirm pending={pending} onConfirm={() => force(pending)} onCancel={() => setPending(null)} />}
      <div class="table-scroll">
        <table class="providers">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">State</th>
              <th scope="col">Forced</th>
              <th scope="col">Breaker</th>
              <th scope="col" class="number">Error rate</th>
              <th scope="col" class="number">p50 / p95</th>
              <th scope="col">Force</th>
            </tr>
          </thead>
          <tbody>
            {providers.data.data.map((provider) => (
              <tr data-provider={provider.name}>
                <th scope="row">
                  {provider.name} <span class="detail">{provider.type}</span>
                </th>
                <td>
                  <span class={`state state-${provider.state}`} data-state={provider.state}>
                    {provider.state}
                  </span>
                </td>
                <td>{provider.forced ?? '—'}</td>
                <td>{provider.breaker.state}</td>
                <td class="number">{percent(provider.error_rate)}</td>
                <td class="number">
                  {ms(provider.latency_ms.p50)} / {ms(provider.latency_ms.p95)}
                </td>
                <td class="actions">
                  {(['up', 'down', 'auto'] as const).map((state) => (
                    <button type="button" onClick={() => setPending({ provider: provider.name, state })} aria-label={`Force ${provider.name} ${state}`}>
                      {state}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Confirm({ pending, onConfirm, onCancel }: { pending: Pending; onConfirm(): void; onCancel(): void }) {
  const confirmButton = useRef<HTMLButtonElement>(null);
  useDialogKeys(confirmButton, onCancel, pending);
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
      <p id="confirm-text">
        Force <strong>{pending.provider}</strong> {pending.state}: {describeForce[pending.state]}?
      </p>
      <button type="button" ref={confirmButton} onClick={onConfirm}>
        Confirm
      </button>
      <button type="button" class="quiet" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
