import { useState } from 'preact/hooks';
import type { AdminApi } from '../api';
import type { List, ProviderState, RequestPage, RequestRow } from '../admin-types';
import { count, ms, time, usd } from '../format';
import { usePoll } from '../use-poll';
import { Status } from './overview';
import { RequestDrawer } from './request-drawer';
import { filterQuery, FilterForm, noFilters, type RequestFilters } from './request-filters';

const pageSize = 50;

/** The ledger's requests, newest first, filtered and paged, with CSV export of everything the filters select. */
export function RequestsView({ api }: { api: AdminApi }) {
  const [filters, setFilters] = useState<RequestFilters>(noFilters);
  // The ids each earlier page started before, so that "Newer" can go back.
  const [pages, setPages] = useState<Array<number | null>>([null]);
  const [open, setOpen] = useState<RequestRow | null>(null);
  const before = pages.at(-1) ?? null;
  const query = filterQuery(filters);
  query.set('limit', String(pageSize));
  if (before !== null) query.set('before', String(before));
  const shown = query.toString();
  const page = usePoll(() => api.json<RequestPage>(`/admin/requests?${shown}`), shown);
  const providers = usePoll(() => api.json<List<ProviderState>>('/admin/providers'), 'providers');

  const applyFilters = (next: RequestFilters) => {
    setFilters(next);
    setPages([null]);
    setOpen(null);
  };

  return (
    <>
      <FilterForm filters={filters} providers={providers.data?.data ?? []} onChange={applyFilters} />
      <CsvExport api={api} filters={filters} />
      {!page.data ? (
        <Status error={page.error} />
      ) : (
        <>
          {page.error && <p class="error" role="alert">{page.error}</p>}
          <div class="table-scroll">
            <table class="requests" data-query={shown}>
              <caption>{page.data.data.length === 0 ? 'No requests match these filters.' : `${count(page.data.data.length)} requests on this page`}</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Model</th>
                  <th scope="col">Key</th>
                  <th scope="col">Status</th>
                  <th scope="col">Cache</th>
                  <th scope="col" class="number">Tokens</th>
                  <th scope="col" class="number">Cost</th>
                  <th scope="col" class="number">Saved</th>
                  <th scope="col" class="number">Latency</th>
                </tr>
              </thead>
              <tbody>
                {page.data.data.map((row) => (
                  <tr data-request-id={row.id} class={row.status >= 400 ? 'failed' : undefined}>
                    <td>
                      <button type="button" class="link" onClick={() => setOpen(row)} aria-label={`Details of request ${row.id}`}>
                        {time(row.time)}
                      </button>
                    </td>
                    <td>{row.provider ?? '—'}</td>
                    <td>{row.model ?? '—'}</td>
                    <td>{row.key ?? '—'}</td>
                    <td>{row.status}</td>
                    <td>{row.cache ?? '—'}</td>
                    <td class="number">{count(row.prompt_tokens + row.completion_tokens)}</td>
                    <td class="number">{usd(row.cost_usd)}</td>
                    <td class="number">{usd(row.saved_usd)}</td>
                    <td class="number">{ms(row.latency_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
              Newer
            </button>
            <button type="button" disabled={page.data.next_before === null} onClick={() => setPages([...pages, page.data?.next_before ?? null])}>
              Older
            </button>
          </nav>
        </>
      )}
      {open && <RequestDrawer row={open} onClose={() => setOpen(null)} />}
    </>
  );
}

/** A plain link cannot carry the admin key, so the file is fetched with it and saved from a blob URL. */
function CsvExport({ api, filters }: { api: AdminApi; filters: RequestFilters }) {
  const [state, setState] = useState<string | null>(null);
  const exportCsv = async () => {
    setState('Exporting…');
    try {
      const { blob, truncated } = await api.download(`/admin/requests.csv?${filterQuery(filters)}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = 'tokenpak-requests.csv';
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState(truncated ? 'Saved the first 100,000 rows (the export limit); narrow the filters for the rest.' : 'Saved.');
    } catch (error) {
      setState(`Export failed: ${(error as Error).message}`);
    }
  };
  return (
    <p class="export">
      <button type="button" onClick={exportCsv}>
        Export CSV
      </button>
      {state && <span role="status">{state}</span>}
    </p>
  );
}
