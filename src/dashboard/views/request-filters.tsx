import type { ProviderState } from '../admin-types';

export interface RequestFilters {
  since: string;
  provider: string;
  model: string;
  key: string;
  status: string;
  cache: string;
}

export const noFilters: RequestFilters = { since: '24h', provider: '', model: '', key: '', status: '', cache: '' };

/** The filters as /admin/requests and /admin/requests.csv take them; empty ones left out. */
export function filterQuery(filters: RequestFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return query;
}

interface FilterFormProps {
  filters: RequestFilters;
  providers: ProviderState[];
  onChange(filters: RequestFilters): void;
}

/** Choices apply at once; typed ones (model, key) when the field is left or Enter is pressed. */
export function FilterForm({ filters, providers, onChange }: FilterFormProps) {
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const field = (name: keyof RequestFilters) => String(form.get(name) ?? '').trim();
    onChange({ since: field('since'), provider: field('provider'), model: field('model'), key: field('key'), status: field('status'), cache: field('cache') });
  };
  return (
    <form class="filters" onSubmit={apply} onChange={apply} aria-label="Filter requests">
      <label>
        Time
        <select name="since" value={filters.since}>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="30d">Last 30 days</option>
        </select>
      </label>
      <label>
        Provider
        <select name="provider" value={filters.provider}>
          <option value="">Any</option>
          {providers.map((provider) => (
            <option value={provider.name}>{provider.name}</option>
          ))}
        </select>
      </label>
      <label>
        Model
        <input name="model" value={filters.model} placeholder="any" />
      </label>
      <label>
        Key
        <input name="key" value={filters.key} placeholder="any" />
      </label>
      <label>
        Status
        <select name="status" value={filters.status}>
          <option value="">Any</option>
          <option value="2xx">2xx</option>
          <option value="4xx">4xx</option>
          <option value="5xx">5xx</option>
        </select>
      </label>
      <label>
        Cache
        <select name="cache" value={filters.cache}>
          <option value="">Any</option>
          <option value="hit">Hit</option>
          <option value="miss">Miss</option>
          <option value="bypass">Bypass</option>
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
