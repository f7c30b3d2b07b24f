import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { describe, getJson } from '../api';
import { hasEndpoint } from '../capabilities';
import { Missing } from '../ui-kit';

/** `GET /admin/usage`: totals per group over [from, to). */
interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}
interface UsageAnswer {
  from: string;
  to: string;
  by: string;
  rows: Array<UsageTotals & { key: string | null }>;
  total: UsageTotals;
}

const PERIODS = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
  { label: 'Last 30 days', ms: 30 * 86_400_000 },
];
const GROUPS = ['client', 'alias', 'provider', 'model'] as const;

export function Usage() {
  const [available, setAvailable] = useState<boolean>();
  const [period, setPeriod] = useState(1);
  const [by, setBy] = useState<(typeof GROUPS)[number]>('alias');
  const [usage, setUsage] = useState<UsageAnswer>();
  const [days, setDays] = useState<UsageAnswer>();
  const [error, setError] = useState<string>();

  useEffect(() => void hasEndpoint('/admin/usage').then(setAvailable), []);

  const load = () => {
    const to = new Date();
    const from = new Date(to.getTime() - PERIODS[period].ms);
    const range = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    Promise.all([getJson<UsageAnswer>(`/admin/usage?${range}&by=${by}`), getJson<UsageAnswer>(`/admin/usage?${range}&by=day`)])
      .then(([grouped, daily]) => {
        setUsage(grouped);
        setDays(daily);
        setError(undefined);
      })
      .catch((e) => setError(describe(e)));
  };

  useEffect(() => {
    if (available) load();
  }, [available, period, by]);

  if (available === undefined) return <p class="hint">Looking for the usage endpoint…</p>;
  if (!available) return <Missing endpoint="/admin/usage" issue="issue 20" />;
  const labels = (usage?.rows ?? []).map((r) => r.key ?? '(none)');
  return (
    <>
      <form class="panel row wrap" onSubmit={(e) => (e.preventDefault(), load())}>
        <div class="field">
          <label for="usage-period">Period</label>
          <select id="usage-period" value={period} onChange={(e) => setPeriod(Number((e.target as HTMLSelectElement).value))}>
            {PERIODS.map((p, i) => (
              <option key={p.label} value={i}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="usage-by">Group by</label>
          <select id="usage-by" value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as typeof by)}>
            {GROUPS.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Refresh</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {usage && (
        <>
          <section class="panel" aria-label="Totals">
            <dl class="totals">
              <Total label="Requests" value={usage.total.requests} />
              <Total label="Errors" value={usage.total.errors} />
              <Total label="Input tokens" value={usage.total.input_tokens} />
              <Total label="Output tokens" value={usage.total.output_tokens} />
              <Total label="Cost (USD)" value={`$${usage.total.cost_usd.toFixed(4)}`} />
            </dl>
          </section>
          <div class="charts">
            <Chart
              title={`Requests and errors by ${by}`}
              labels={labels}
              series={[
                { label: 'Requests', values: usage.rows.map((r) => r.requests), color: '#0b5cad' },
                { label: 'Errors', values: usage.rows.map((r) => r.errors), color: '#b42318' },
              ]}
            />
            <Chart
              title={`Tokens by ${by}`}
              labels={labels}
              series={[
                { label: 'Input', values: usage.rows.map((r) => r.input_tokens), color: '#8250df' },
                { label: 'Output', values: usage.rows.map((r) => r.output_tokens), color: '#1a7f37' },
              ]}
            />
            <Chart
              title={`Cost (USD) by ${by}`}
              labels={labels}
              series={[{ label: 'Cost', values: usage.rows.map((r) => r.cost_usd), color: '#9a6700' }]}
            />
            {days && (
              <Chart
                title="Requests per day"
                labels={days.rows.map((r) => r.key ?? '')}
                series={[{ label: 'Requests', values: days.rows.map((r) => r.requests), color: '#0b5cad' }]}
              />
            )}
          </div>
          <section class="panel table-scroll" aria-label={`Usage by ${by}`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{by}</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Errors</th>
                  <th scope="col">Input tokens</th>
                  <th scope="col">Output tokens</th>
                  <th scope="col">Cost (USD)</th>
                </tr>
              </thead>
              <tbody>
                {usage.rows.map((r) => (
                  <tr key={r.key ?? ''}>
                    <th scope="row">{r.key ?? '(none)'}</th>
                    <td>{r.requests}</td>
                    <td>{r.errors}</td>
                    <td>{r.input_tokens}</td>
                    <td>{r.output_tokens}</td>
                    <td>{r.cost_usd.toFixed(4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </>
  );
}

function Total({ label, value }: { label: string; value: number | string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

interface Series {
  label: string;
  values: number[];
  color: string;
}

/** Bars per group (uPlot); the table below has the same numbers for screen readers. */
function Chart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const width = Math.max(260, Math.min(560, host.current!.clientWidth || 560));
    // Two series stand side by side: the first left of its tick, the second right of it.
    const bars = (i: number) =>
      uPlot.paths.bars!({ size: [series.length > 1 ? 0.35 : 0.6, 60], align: series.length > 1 ? (i === 0 ? -1 : 1) : 0 });
    const plot = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: false, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] } },
        axes: [{ values: (_u, ticks) => ticks.map((t) => labels[t] ?? ''), splits: () => labels.map((_, i) => i) }, {}],
        legend: { show: false },
        series: [
          {},
          ...series.map((s, i) => ({ label: s.label, stroke: s.color, fill: `${s.color}cc`, paths: bars(i), points: { show: false } })),
        ],
      },
      [labels.map((_, i) => i), ...series.map((s) => s.values)],
      host.current!,
    );
    return () => plot.destroy();
  }, [labels.join('\u0000'), series.map((s) => s.values.join(',')).join('|')]);
  return (
    <figure class="panel chart" aria-label={title}>
      <figcaption>
        {title}
        <span class="legend">
          {series.map((s) => (
            <span key={s.label}>
              <span class="swatch" style={{ background: s.color }} /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={host} aria-hidden="true" />
    </figure>
  );
}
