import type { Metric } from 'prom-client';

/**
 * Counters and histograms the request path adds to at the cost of one Map lookup and a few number
 * additions. prom-client's own `inc`/`observe` hash the label object on every call (even through a
 * cached `labels()` child), which the benchmark measured at a sixth of the gateway's throughput.
 * These keep plain numbers per label combination and hand them to prom-client's registry in the
 * shape its own metrics give (`get()`), so the exposition format is prom-client's.
 */
/** One label combination of a counter: a caller that keeps it adds to `value` with no lookup. */
export interface Series {
  readonly labels: Record<string, string>;
  value: number;
}

/** One label combination of a histogram, for `observeIn`. */
export interface HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is beyond the last bound (+Inf). */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What prom-client's own metrics answer from `get()` (its typings say an enum where the runtime reads the name). */
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
}

/** A prom-client registry takes any metric that answers `get()` like its own; its type lists only its classes. */
export function asRegistryMetric(tally: TallyCounter | TallyHistogram): Metric {
  return tally as unknown as Metric;
}

export class TallyCounter {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** Adds one to the series `key` names; `labels` is called only the first time a key is seen. */
  inc(key: string, labels: () => Record<string, string>): void {
    this.seriesOf(key, labels).value++;
  }

  /** Adds `amount` (tokens, say) to the series `key` names. */
  add(key: string, labels: () => Record<string, string>, amount: number): void {
    this.seriesOf(key, labels).value += amount;
  }

  /** The series `key` names, made (at 0) the first time: what `inc` and `add` add to. */
  seriesOf(key: string, labels: () => Record<string, string>): Series {
    let series = this.series.get(key);
    if (!series) {
      series = { labels: labels(), value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  get(): Promise<Exported> {
    const values = [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
    return Promise.resolve({ name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' });
  }
}

export class TallyHistogram {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  observe(key: string, labels: () => Record<string, string>, value: number): void {
    this.observeIn(this.seriesOf(key, labels), value);
  }

  /** The series `key` names, made the first time: a caller that keeps it observes with `observeIn`, no lookup. */
  seriesOf(key: string, labels: () => Record<string, string>): HistogramSeries {
    let series = this.series.get(key);
    if (!series) {
      series = { labels: labels(), counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /** Counts `value` in `series` (one of this histogram's own, from `seriesOf`). */
  observeIn(series: HistogramSeries, value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += value;
    series.count++;
  }

  get(): Promise<Exported> {
    const values: Exported['values'] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += counts[i];
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }
}
