import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: number[];
}

const palette = ['#2f6fde', '#e0672b', '#2a9d6a', '#9b51e0', '#d43f5e', '#c9a227', '#1a9bb0', '#7a7a7a'];

interface ChartProps {
  x: number[];
  series: ChartSeries[];
  /** A sparkline: no axes, no legend, no cursor. */
  spark?: boolean;
  /** Each series drawn on top of the ones before it (spend by provider). */
  stacked?: boolean;
  height?: number;
  label: string;
}

/** A uPlot chart that follows its container's width; data changes update it in place. */
export function Chart({ x, series, spark = false, stacked = false, height = spark ? 40 : 220, label }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((line) => line.label).join('\u0000')}|${spark}|${stacked}`;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 120),
      height,
      legend: { show: !spark },
      cursor: { show: !spark },
      axes: spark ? [{ show: false }, { show: false }] : [{}, {}],
      scales: { x: { time: true } },
      series: [{}, ...drawOrder(series, stacked).map(({ label: name, index }) => ({ label: name, stroke: palette[index % palette.length], fill: stacked || spark ? `${palette[index % palette.length]}55` : undefined, width: 1.5, points: { show: false } }))],
    };
    plot.current = new uPlot(options, chartData(x, series, stacked), element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 120), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(chartData(x, series, stacked));
  }, [x, series]);

  return <div class={spark ? 'chart spark' : 'chart'} ref={container} role="img" aria-label={label} />;
}

/** Stacked series are drawn tallest (the running total) first, so that each fill shows above the next. */
function drawOrder(series: ChartSeries[], stacked: boolean) {
  const ordered = series.map((line, index) => ({ label: line.label, index }));
  return stacked ? ordered.reverse() : ordered;
}

function chartData(x: number[], series: ChartSeries[], stacked: boolean): uPlot.AlignedData {
  if (!stacked) return [x, ...series.map((line) => line.values)];
  const running = x.map(() => 0);
  const cumulative = series.map((line) => line.values.map((value, position) => (running[position] = (running[position] ?? 0) + value)));
  return [x, ...cumulative.reverse()];
}
