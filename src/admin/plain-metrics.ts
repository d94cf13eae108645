// Metrics kept in plain numbers for the paths every request takes. prom-client's own counters
// and histograms validate and hash their labels on every update (about 2 µs a request for the
// request series alone); these add to numbers in place and turn them into exposition values
// only when scraped, through the registry's registerMetric.
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string>;

interface ExposedValue {
  value: number;
  labels?: Labels;
  metricName?: string;
}

/** Register a counter or histogram whose values are computed at scrape time. */
export function registerComputed(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: () => ExposedValue[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
}

/** A histogram's counts: one per upper bound and one for +Inf, not cumulative, with sum and count. */
export class Buckets {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(v: number): void {
    let i = 0;
    const bounds = this.bounds;
    while (i < bounds.length && v > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }

  /** The exposition lines of one series: cumulative _bucket per bound and +Inf, then _sum and _count. */
  exposed(name: string, labels: Labels): ExposedValue[] {
    const out: ExposedValue[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < this.bounds.length ? String(this.bounds[i]) : '+Inf' }, value: cumulative });
    }
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
    return out;
  }
}
