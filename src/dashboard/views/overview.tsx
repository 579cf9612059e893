import type { AdminApi } from '../api';
import type { Budgets, HourBucket, TimeSeries } from '../admin-types';
import { Chart } from '../chart';
import { count, ms, percent, usd } from '../format';
import { hourSlots, perHour, sum } from '../hourly';
import { usePoll } from '../use-poll';

interface Figures {
  series: TimeSeries;
  budgets: Budgets;
}

/** The last 24 hours at a glance: each figure with its hourly sparkline. */
export function OverviewView({ api }: { api: AdminApi }) {
  const polled = usePoll<Figures>(
    async () => {
      const [series, budgets] = await Promise.all([api.json<TimeSeries>('/admin/timeseries?since=24h&group_by=none'), api.json<Budgets>('/admin/budgets')]);
      return { series, budgets };
    },
    'overview',
  );
  if (!polled.data) return <Status error={polled.error} />;
  const { series, budgets } = polled.data;
  const buckets = series.data;
  const slots = hourSlots(series.since);
  const hourly = (value: (bucket: HourBucket) => number) => perHour(slots, buckets, value);
  const today = buckets.filter((bucket) => Date.parse(bucket.hour) >= Math.floor(Date.parse(budgets.day_start) / 3_600_000) * 3_600_000);
  const requests = sum(buckets, (bucket) => bucket.requests);
  const latest = [...buckets].reverse().find((bucket) => bucket.latency_p50_ms != null);
  const spendLimit = budgets.daily_limit_usd;
  // The ledger's figure, which counts every request; the budget store's counts only what a budget was reserved for.
  const spentToday = sum(today, (bucket) => bucket.cost_usd);

  return (
    <>
      {polled.error && <p class="error" role="alert">{polled.error}</p>}
      <section class="cards" aria-label="Last 24 hours">
        <Card name="requests" title="Requests (24 h)" value={count(requests)} detail={`${count(buckets.at(-1)?.requests ?? 0)} in the latest hour`} x={slots} values={hourly((bucket) => bucket.requests)} />
        <Card
          name="latency"
          title="Latency p50 / p95"
          value={`${ms(latest?.latency_p50_ms)} / ${ms(latest?.latency_p95_ms)}`}
          detail="latest hour with traffic"
          x={slots}
          values={hourly((bucket) => bucket.latency_p95_ms ?? 0)}
        />
        <Card name="errors" title="Error rate" value={percent(requests ? sum(buckets, (bucket) => bucket.errors) / requests : null)} detail={`${count(sum(buckets, (bucket) => bucket.errors))} errors`} x={slots} values={hourly((bucket) => bucket.errors)} />
        <Card
          name="spend"
          title="Spend today"
          value={usd(spentToday)}
          detail={spendLimit == null ? 'no daily budget' : `of ${usd(spendLimit)} (${percent(spentToday / spendLimit)})`}
          x={slots}
          values={hourly((bucket) => bucket.cost_usd)}
        />
        <Card name="savings" title="Savings today" value={usd(sum(today, (bucket) => bucket.saved_usd))} detail="prompt caching, compaction, response cache" x={slots} values={hourly((bucket) => bucket.saved_usd)} />
        <Card name="cache" title="Cache hit rate" value={percent(requests ? sum(buckets, (bucket) => bucket.cache_hits) / requests : null)} detail={`${count(sum(buckets, (bucket) => bucket.cache_hits))} hits`} x={slots} values={hourly((bucket) => bucket.cache_hits)} />
      </section>
    </>
  );
}

interface CardProps {
  name: string;
  title: string;
  value: string;
  detail: string;
  x: number[];
  values: number[];
}

function Card({ name, title, value, detail, x, values }: CardProps) {
  return (
    <article class="card" data-figure={name}>
      <h2>{title}</h2>
      <p class="figure">{value}</p>
      <p class="detail">{detail}</p>
      <Chart x={x} series={[{ label: title, values }]} spark label={`${title} per hour, last 24 hours`} />
    </article>
  );
}

export function Status({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : (
    <p class="loading" aria-live="polite">
      Loading…
    </p>
  );
}
