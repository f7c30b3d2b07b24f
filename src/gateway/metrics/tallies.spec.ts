import { Counter, Histogram, Registry } from 'prom-client';
import { asRegistryMetric, TallyCounter, TallyHistogram } from './tallies';

/** Scrapes are read by Prometheus: the tallies must expose exactly what prom-client's own metrics would. */
async function exposition(register: (registry: Registry) => void): Promise<string> {
  const registry = new Registry();
  register(registry);
  return registry.metrics();
}

describe('tallies read like prom-client metrics', () => {
  const observations: Array<[string, string, number]> = [
    ['main-gpt', 'openai_main', 0.004],
    ['main-gpt', 'openai_main', 0.01],
    ['main-gpt', 'openai_main', 0.3],
    ['main-gpt', 'mock', 7],
    ['embed', 'mock', 500],
  ];
  const bounds = [0.005, 0.01, 0.5, 10];

  it('a counter gives the same text as a prom-client Counter', async () => {
    const ours = await exposition((registry) => {
      const tally = new TallyCounter('requests_total', 'Requests.');
      for (const [alias, provider] of observations) tally.inc(`${alias}/${provider}`, () => ({ alias, provider }));
      registry.registerMetric(asRegistryMetric(tally));
    });
    const theirs = await exposition((registry) => {
      const counter = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['alias', 'provider'], registers: [registry] });
      for (const [alias, provider] of observations) counter.inc({ alias, provider });
    });
    expect(ours).toBe(theirs);
    expect(ours).toContain('requests_total{alias="main-gpt",provider="openai_main"} 3');
  });

  it('a histogram gives the same buckets, sum and count as a prom-client Histogram', async () => {
    const ours = await exposition((registry) => {
      const tally = new TallyHistogram('duration_seconds', 'Durations.', bounds);
      for (const [alias, provider, seconds] of observations) tally.observe(`${alias}/${provider}`, () => ({ alias, provider }), seconds);
      registry.registerMetric(asRegistryMetric(tally));
    });
    const theirs = await exposition((registry) => {
      const histogram = new Histogram({
        name: 'duration_seconds',
        help: 'Durations.',
        labelNames: ['alias', 'provider'],
        buckets: bounds,
        registers: [registry],
      });
      for (const [alias, provider, seconds] of observations) histogram.observe({ alias, provider }, seconds);
    });
    expect(ours).toBe(theirs);
    expect(ours).toContain('duration_seconds_bucket{le="0.01",alias="main-gpt",provider="openai_main"} 2');
    expect(ours).toContain('duration_seconds_bucket{le="+Inf",alias="embed",provider="mock"} 1');
  });
});
