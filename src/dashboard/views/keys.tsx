import { useState } from 'preact/hooks';
import type { AdminApi } from '../api';
import type { Budgets, List, VirtualKey } from '../admin-types';
import { time, usd } from '../format';
import { usePoll } from '../use-poll';
import { Status } from './overview';

type Made = VirtualKey & { key: string };

/** Virtual keys: issue (the key is shown once), rotate and revoke, through /admin/keys. */
export function KeysView({ api }: { api: AdminApi }) {
  const keys = usePoll(() => api.json<List<VirtualKey>>('/admin/keys'), 'keys');
  const budgets = usePoll(() => api.json<Budgets>('/admin/budgets'), 'budgets');
  const today = new Map((budgets.data?.per_key ?? []).map((entry) => [entry.key_id, entry]));
  const [made, setMade] = useState<Made | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const act = async (work: () => Promise<Made | VirtualKey>, done: string) => {
    setMessage(null);
    try {
      const answer = await work();
      setMade('key' in answer ? answer : null);
      setMessage(done);
    } catch (error) {
      setMessage((error as Error).message);
    }
    keys.reload();
  };
  const issue = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const dailyUsd = Number(form.get('daily_usd'));
    const body = { name: String(form.get('name') ?? '').trim(), ...(dailyUsd > 0 ? { budget: { daily_usd: dailyUsd } } : {}) };
    void act(() => api.json<Made>('/admin/keys', { method: 'POST', body: JSON.stringify(body) }), `Issued ${body.name}.`);
  };

  return (
    <>
      <form class="filters" onSubmit={issue} aria-label="Issue a key">
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Daily budget (USD)
          <input name="daily_usd" type="number" min="0" step="0.01" />
        </label>
        <button type="submit">Issue key</button>
      </form>
      {message && <p role="status">{message}</p>}
      {made && (
        <p class="once" role="alert">
          The key for <strong>{made.name}</strong>, shown this once: <code>{made.key}</code>
        </p>
      )}
      {keys.data && keys.error && <Status error={keys.error} />}
      {!keys.data ? (
        <Status error={keys.error} />
      ) : (
        <div class="table-scroll">
          <table class="keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Hint</th>
                <th scope="col">Status</th>
                <th scope="col">Rate limits</th>
                <th scope="col" class="number">Daily budget</th>
                <th scope="col" class="number">Spent today</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((key) => (
                <tr data-key-id={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.hint}</code>
                  </td>
                  <td>{key.status}</td>
                  <td>{rateLimits(key.rate_limits)}</td>
                  <td class="number">{usd(today.get(key.id)?.daily_limit_usd ?? key.budget?.daily_usd)}</td>
                  <td class="number" data-spent>
                    {usd(today.get(key.id)?.spent_usd)}
                  </td>
                  <td>{time(key.created_at)}</td>
                  <td class="actions">
                    {key.source === 'admin' && key.status === 'active' && (
                      <>
                        <button type="button" onClick={() => confirm(`Rotate ${key.name}? Its current key stops working.`) && act(() => api.json<Made>(`/admin/keys/${encodeURIComponent(key.id)}/rotate`, { method: 'POST' }), `Rotated ${key.name}.`)}>
                          Rotate
                        </button>
                        <button type="button" onClick={() => confirm(`Revoke ${key.name}?`) && act(() => api.json<VirtualKey>(`/admin/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' }), `Revoked ${key.name}.`)}>
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function rateLimits(limits: VirtualKey['rate_limits']): string {
  const parts = [limits?.rpm === undefined ? '' : `${limits.rpm} rpm`, limits?.tpm === undefined ? '' : `${limits.tpm} tpm`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : '—';
}
