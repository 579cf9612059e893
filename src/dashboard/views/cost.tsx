import { useState } from 'preact/hooks';
import type { AdminApi } from '../api';
import type { HourBucket, TimeSeries } from '../admin-types';
import { Chart } from '../chart';
import { count, usd } from '../format';
import { hourSlots, perHour, sum } from '../hourly';
import { usePoll } from '../use-poll';
import { Status } from './overview';

interface Breakdown {
  byProvider: TimeSeries;
  byModel: TimeSeries;
  byKey: TimeSeries;
}

/** Spend by hour stacked by provider, and totals by model and by key, each with what was saved beside it. */
export function CostView({ api }: { api: AdminApi }) {
  const [since, setSince] = useState('24h');
  const polled = usePoll<Breakdown>(async () => {
    const series = (groupBy: string) => api.json<TimeSeries>(`/admin/timeseries?since=${since}&group_by=${groupBy}`);
    const [byProvider, byModel, byKey] = await Promise.all([series('provider'), series('model'), series('key')]);
    return { byProvider, byModel, byKey };
  }, since);

  return (
    <>
      <label class="range">
        Range{' '}
        <select value={since} onChange={(event) => setSince((event.currentTarget as HTMLSelectElement).value)}>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="30d">Last 30 days</option>
        </select>
      </label>
      {!polled.data ? <Status error={polled.error} /> : <Breakdowns breakdown={polled.data} />}
      {polled.data && polled.error && <Status error={polled.error} />}
    </>
  );
}

function Breakdowns({ breakdown }: { breakdown: Breakdown }) {
  const slots = hourSlots(breakdown.byProvider.since);
  const providers = groupsOf(breakdown.byProvider.data);
  return (
    <>
      <section aria-labelledby="spend-by-hour">
        <h2 id="spend-by-hour">Spend by hour, stacked by provider (USD)</h2>
        <Chart
          x={slots}
          stacked
          series={providers.map((provider) => ({ label: provider, values: perHour(slots, breakdown.byProvider.data.filter((bucket) => (bucket.group ?? '—') === provider), (bucket) => bucket.cost_usd) }))}
          label="Spend by hour, stacked by provider"
        />
      </section>
      <Totals title="By provider" name="provider" buckets={breakdown.byProvider.data} />
      <Totals title="By model" name="model" buckets={breakdown.byModel.data} />
      <Totals title="By key" name="key" buckets={breakdown.byKey.data} />
    </>
  );
}

function Totals({ title, name, buckets }: { title: string; name: string; buckets: HourBucket[] }) {
  const rows = groupsOf(buckets).map((group) => {
    const mine = buckets.filter((bucket) => (bucket.group ?? '—') === group);
    return { group, requests: sum(mine, (bucket) => bucket.requests), cost: sum(mine, (bucket) => bucket.cost_usd), saved: sum(mine, (bucket) => bucket.saved_usd) };
  });
  rows.sort((a, b) => b.cost - a.cost);
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <div class="table-scroll">
        <table data-totals={name}>
          <thead>
            <tr>
              <th scope="col">{title.replace('By ', '')}</th>
              <th scope="col" class="number">Requests</th>
              <th scope="col" class="number">Spend</th>
              <th scope="col" class="number">Saved</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <th scope="row">{row.group}</th>
                <td class="number">{count(row.requests)}</td>
                <td class="number">{usd(row.cost)}</td>
                <td class="number">{usd(row.saved)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const groupsOf = (buckets: HourBucket[]): string[] => [...new Set(buckets.map((bucket) => bucket.group ?? '—'))].sort();
