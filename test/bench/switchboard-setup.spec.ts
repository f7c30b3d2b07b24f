import { loadConfig } from '@switchboard/config';
import {
  BENCH_CLIENT_HEADERS,
  FEATURES_ALONE,
  PRODUCTION,
  switchboardSetup,
  type SwitchboardConfiguration,
  type SwitchboardPlace,
} from '../../bench/switchboard';

const nats = { url: 'nats://127.0.0.1:9003', stop: () => undefined };
const place: SwitchboardPlace = {
  upstreamRoot: 'http://127.0.0.1:9001',
  thinking: '/think/20',
  dir: '/tmp/sb-bench-spec',
  port: 9002,
  nats,
};

/** What the gateway makes of a configuration's file and environment, read by its own loader. */
function setupOf(config: SwitchboardConfiguration, where = place) {
  const { yaml, env } = switchboardSetup(config, where);
  return { env, gateway: loadConfig({ text: yaml, env, cwd: place.dir }) };
}

describe("the benchmark's Switchboard configurations", () => {
  it('production turns on the client key with every limit, analytics on the bench nats-server and the request line', () => {
    const { env, gateway } = setupOf(PRODUCTION);
    expect(gateway.auth.clientKeys).toEqual([
      {
        name: 'bench',
        key: BENCH_CLIENT_HEADERS.authorization.replace('Bearer ', ''),
        limits: expect.objectContaining({
          rpm: expect.any(Number),
          tpm: expect.any(Number),
          maxParallel: expect.any(Number),
          budget: expect.anything(),
        }),
      },
    ]);
    expect(env).toMatchObject({ NATS_URL: nats.url, LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  });

  it('without a nats-server, production runs with NATS_URL empty', () => {
    expect(setupOf(PRODUCTION, { ...place, nats: undefined }).env.NATS_URL).toBe('');
  });

  it.each(FEATURES_ALONE.map((config) => [config.name, config] as const))(
    '%s turns on one of the three features and leaves the others off',
    (_name, config) => {
      const { env, gateway } = setupOf(config);
      const on = {
        clientKey: gateway.auth.clientKeys.length > 0,
        analytics: env.NATS_URL !== '',
        requestLine: env.LOG_LEVEL === 'info',
      };
      expect(Object.values(on).filter(Boolean)).toHaveLength(1);
      expect(on).toEqual({ clientKey: config.clientKey, analytics: config.analytics, requestLine: config.logLevel === 'info' });
    },
  );

  it('names each of the open issues 19, 20 and 21 once, all with distinct target names', () => {
    expect(FEATURES_ALONE.map((c) => c.criterion?.issue)).toEqual([19, 20, 21]);
    const names = [PRODUCTION, ...FEATURES_ALONE].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('points every configuration at the same upstream aliases, store and port', () => {
    for (const config of [PRODUCTION, ...FEATURES_ALONE]) {
      const { env, gateway } = setupOf(config);
      expect(Object.keys(gateway.models)).toEqual(['bench', 'bench-think']);
      expect(env).toMatchObject({
        PORT: '9002',
        EVENT_STORE_URL: 'sqlite:/tmp/sb-bench-spec/events.db',
        SWITCHBOARD_CONFIG: '/tmp/sb-bench-spec/gateway.yaml',
      });
    }
  });
});
