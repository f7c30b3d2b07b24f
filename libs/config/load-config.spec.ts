import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

/** A scratch working directory with a patterns folder, so `reasoning_mode: react` can be validated. */
function workdir(patterns: string[] = ['basic_react', 'deepseek_react']): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  mkdirSync(join(dir, 'config/patterns'), { recursive: true });
  mkdirSync(join(dir, 'keys'));
  for (const p of patterns) writeFileSync(join(dir, 'config/patterns', `${p}.yaml`), 'description: x\n');
  return dir;
}

function load(text: string, env: NodeJS.ProcessEnv = {}, cwd = workdir()) {
  return loadConfig({ text, env, cwd, path: 'config/gateway.yaml' });
}

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}, cwd = workdir()): string[] {
  try {
    load(text, env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const minimal = `
providers:
  openai_main: { type: openai, keys: ["sk-one"] }
models:
  main-gpt:
    chain:
      - { provider: openai_main, model: gpt-4o }
`;

describe('loadConfig', () => {
  describe('a valid file', () => {
    it('fills every default the contract promises', () => {
      const config = load(minimal);
      expect(config.server).toEqual({ port: 8080, bodyLimitBytes: 4 * 1024 * 1024 });
      expect(config.auth).toEqual({ clientKeys: [], adminKeys: [] });
      expect(config.providers.openai_main).toMatchObject({
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        keys: ['sk-one'],
        timeoutMs: 60000,
      });
      expect(config.routing.rateLimitCooldownMs).toBe(60000);
      expect(config.routing.errorCooldownMs).toBe(5000);
      expect(config.models['main-gpt'].chain).toEqual([{ provider: 'openai_main', model: 'gpt-4o' }]);
    });

    it('keeps stored responses 30 days and at most 100000 unless told otherwise', () => {
      expect(load(minimal).responses).toEqual({ retentionMs: 720 * 3_600_000, maxStored: 100_000 });
      expect(load(`${minimal}responses: { retention_hours: 2, max_stored: 50 }\n`).responses).toEqual({
        retentionMs: 7_200_000,
        maxStored: 50,
      });
      expect(problemsOf(`${minimal}responses: { retention_hours: 0 }\n`).join()).toContain('responses.retention_hours');
    });

    it('ramps a key that came back up over 10 s unless told otherwise (0: at once), and caps calls at 10 a request', () => {
      expect(load(minimal).keys).toEqual({ rampUpMs: 10_000 });
      expect(load(`${minimal}keys: { ramp_up_ms: 0 }\n`).keys).toEqual({ rampUpMs: 0 });
      expect(problemsOf(`${minimal}keys: { ramp_up_ms: -1 }\n`)).toEqual([expect.stringMatching(/^keys\.ramp_up_ms: must be an integer/)]);
      expect(problemsOf(`${minimal}keys: { ramp_up: 5 }\n`)).toEqual([expect.stringMatching(/^keys\.ramp_up: unknown field/)]);
      expect(load(minimal).routing.maxUpstreamCalls).toBe(10);
    });

    it('gives each provider type its public endpoint and version defaults', () => {
      const config = load(`
providers:
  a: { type: anthropic }
  g: { type: gemini }
  c: { type: cohere }
  z: { type: azure, base_url: "https://res.openai.azure.com/" }
models: {}
`);
      expect(config.providers.a).toMatchObject({
        baseUrl: 'https://api.anthropic.com',
        anthropicVersion: '2023-06-01',
        maxTokensDefault: 4096,
      });
      expect(config.providers.g.baseUrl).toBe('https://generativelanguage.googleapis.com');
      expect(config.providers.c.baseUrl).toBe('https://api.cohere.com');
      expect(config.providers.z).toMatchObject({
        baseUrl: 'https://res.openai.azure.com',
        apiVersion: '2024-10-21',
      });
    });

    it('interpolates ${VAR} and ${VAR:-default} from the environment', () => {
      const config = load(
        `
server: { port: "\${GATEWAY_PORT:-9090}" }
providers:
  o: { type: openai, keys: ["\${OPENAI_API_KEY}", "\${SECOND_KEY:-}"], base_url: "\${OPENAI_BASE:-https://example.test/v1}" }
models: {}
`,
        { OPENAI_API_KEY: 'sk-from-env' },
      );
      expect(config.server.port).toBe(9090);
      // An empty default means "no key", not an empty-string key.
      expect(config.providers.o.keys).toEqual(['sk-from-env']);
      expect(config.providers.o.baseUrl).toBe('https://example.test/v1');
    });

    it('lets PORT override server.port', () => {
      expect(load(minimal, { PORT: '7070' }).server.port).toBe(7070);
    });

    it('reads keys/<profile>.keys by default only when the profile names no keys', () => {
      const cwd = workdir();
      const config = load(
        `
providers:
  implicit: { type: openai }
  explicit: { type: openai, keys: ["sk-a"] }
  both: { type: openai, keys: ["sk-b"], keys_file: keys/shared.keys }
models: {}
`,
        {},
        cwd,
      );
      expect(config.providers.implicit.keysFile).toBe(join(cwd, 'keys/implicit.keys'));
      expect(config.providers.explicit.keysFile).toBeUndefined();
      expect(config.providers.both.keysFile).toBe(join(cwd, 'keys/shared.keys'));
    });

    it('accepts a react alias whose pattern exists', () => {
      const config = load(`
providers: { m: { type: mock } }
models:
  agent: { reasoning_mode: react, pattern: deepseek_react, tools: [calculator], max_steps: 3, chain: [{ provider: m, model: mock-1 }] }
`);
      expect(config.models.agent).toMatchObject({
        reasoningMode: 'react',
        pattern: 'deepseek_react',
        maxSteps: 3,
        tools: ['calculator'],
      });
    });
  });

  describe('prices', () => {
    it('reads USD per million tokens by the provider model, accepting interpolated numbers', () => {
      const config = load(
        `${minimal}
prices:
  gpt-4o: { input_per_mtok: 2.5, output_per_mtok: "\${GPT4O_OUT:-10}" }
  text-embedding-3-small: { input_per_mtok: 0.02, output_per_mtok: 0 }
`,
      );
      expect(config.prices).toEqual({
        'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 },
        'text-embedding-3-small': { inputPerMtok: 0.02, outputPerMtok: 0 },
      });
    });

    it('is empty when omitted (every model then costs 0)', () => {
      expect(load(minimal).prices).toEqual({});
    });

    it('names each bad price by its path', () => {
      expect(
        problemsOf(`${minimal}
prices:
  gpt-4o: { input_per_mtok: -1, output_per_mtok: cheap }
  mini: { input_per_mtok: 0.15 }
  typo: { input_per_mtok: 1, output_per_mtok: 2, per_call: 3 }
  bare:
  listed: [1, 2]
`),
      ).toEqual([
        'prices.gpt-4o.input_per_mtok: must be a number >= 0',
        'prices.gpt-4o.output_per_mtok: must be a number >= 0',
        'prices.mini.output_per_mtok: required (USD per million tokens)',
        expect.stringMatching(/^prices\.typo\.per_call: unknown field/),
        'prices.bare: must be a mapping with input_per_mtok and output_per_mtok',
        'prices.listed: must be a mapping',
      ]);
    });
  });

  describe('an invalid file', () => {
    it('names an unknown provider in a chain by its path', () => {
      expect(
        problemsOf(`
providers:
  openai_main: { type: openai }
models:
  main-gpt:
    chain:
      - { provider: openai_main, model: gpt-4o }
      - { provider: azure_bkp, model: gpt4o-deploy }
`),
      ).toEqual(["models.main-gpt.chain[1].provider: unknown provider 'azure_bkp'"]);
    });

    it('lists every problem at once, each by path', () => {
      const problems = problemsOf(`
server: { port: 70000 }
providers:
  x: { type: openia }
  az: { type: azure }
  o: { type: openai, timeout_ms: fast, kyes: [] }
models:
  m:
    chain: []
  agent:
    reasoning_mode: react
    pattern: nope
    chain: [{ provider: o }]
surprise: true
`);
      expect(problems).toEqual(
        expect.arrayContaining([
          'server.port: must be an integer between 1 and 65535',
          "providers.x.type: must be one of openai, azure, anthropic, gemini, cohere, mock (got 'openia')",
          'providers.az.base_url: required for type azure',
          'providers.o.timeout_ms: must be an integer between 1 and 9007199254740991',
          expect.stringMatching(/^providers\.o\.kyes: unknown field/),
          'models.m.chain: must list at least one { provider, model }',
          expect.stringMatching(/^models\.agent\.pattern: unknown pattern 'nope' \(.*has: basic_react, deepseek_react\)$/),
          'models.agent.chain[0].model: required',
          expect.stringMatching(/^\(root\)\.surprise: unknown field/),
        ]),
      );
      expect(problems).toHaveLength(9);
    });

    it('names an unset environment variable by the path that needs it', () => {
      expect(problemsOf(`providers:\n  o: { type: openai, keys: ["\${OPENAI_API_KEY}"] }\nmodels: {}\n`)).toEqual([
        'providers.o.keys[0]: environment variable OPENAI_API_KEY is not set',
      ]);
    });

    it('reports YAML syntax errors with line and column', () => {
      const problems = problemsOf('providers:\n  o: { type: openai\nmodels: {}\n');
      expect(problems[0]).toMatch(/^\(yaml\) line \d+, column \d+: /);
    });

    it('requires a pattern for a react alias', () => {
      expect(
        problemsOf('providers: { m: { type: mock } }\nmodels:\n  a: { reasoning_mode: react, chain: [{ provider: m, model: x }] }\n'),
      ).toEqual(['models.a.pattern: required when reasoning_mode is react']);
    });

    it('refuses a keys_file whose directory does not exist', () => {
      expect(problemsOf('providers:\n  o: { type: openai, keys_file: nowhere/o.keys }\nmodels: {}\n')).toEqual([
        'providers.o.keys_file: directory not found for nowhere/o.keys',
      ]);
    });

    it('never prints the credentials or the query of a URL it refuses', () => {
      const problems = problemsOf(`
providers:
  o: { type: openai, base_url: "ftp://admin:hunter2@llm.example/v1?key=AIzaSecretInQuery" }
models: {}
tools:
  mcp_servers: [{ name: m, url: "ws://bot:hunter2@mcp.example/mcp#frag" }]
`);
      expect(problems).toEqual([
        "providers.o.base_url: must be an http(s) URL (got 'ftp://***@llm.example/v1')",
        "tools.mcp_servers[0].url: must be an http(s) URL (got 'ws://***@mcp.example/mcp')",
      ]);
    });

    describe('the same key in two profiles (one fingerprint, one stream: it could serve only one of them)', () => {
      const env = { SHARED_KEY: 'sk-env-shared-0000000000' };
      const text = `
providers:
  a: { type: openai, keys: ["sk-config-shared-000000", "\${SHARED_KEY}"] }
  b: { type: openai, keys: ["sk-b-own-00000000000000", "sk-config-shared-000000"] }
  c: { type: openai }
models: {}
`;

      it('is refused where it appears again, naming where it was first and never quoting the key', () => {
        const cwd = workdir();
        writeFileSync(join(cwd, 'keys/c.keys'), '# team c\n\nsk-env-shared-0000000000\n');
        const problems = problemsOf(text, env, cwd);
        expect(problems).toEqual([
          'providers.b.keys[1]: the same key is already in providers.a.keys[0] (a key belongs to one profile)',
          'providers.c.keys_file line 3: the same key is already in providers.a.keys[1] (a key belongs to one profile)',
        ]);
        expect(problems.join('\n')).not.toMatch(/sk-config-shared|sk-env-shared/);
      });

      it('is fine in keys and keys_file of one profile: they are a union', () => {
        const cwd = workdir();
        writeFileSync(join(cwd, 'keys/o.keys'), 'sk-both-000000000000\n');
        const config = load(
          'providers:\n  o: { type: openai, keys: ["sk-both-000000000000"], keys_file: keys/o.keys }\nmodels: {}\n',
          {},
          cwd,
        );
        expect(config.providers.o.keys).toEqual(['sk-both-000000000000']);
      });
    });

    it('says which keys file could not be read', () => {
      const cwd = workdir();
      mkdirSync(join(cwd, 'keys/o.keys'));
      expect(problemsOf('providers:\n  o: { type: openai }\nmodels: {}\n', {}, cwd)).toEqual([
        `providers.o.keys_file: cannot read ${join(cwd, 'keys/o.keys')}: EISDIR`,
      ]);
    });

    it('says which file could not be read', () => {
      expect(() => loadConfig({ path: '/nonexistent/gateway.yaml', env: {} })).toThrow(
        /invalid configuration in \/nonexistent\/gateway.yaml:\n {2}- \(file\): cannot read: ENOENT/,
      );
    });
  });

  describe('the shipped config/gateway.yaml', () => {
    it('loads with an empty environment and answers offline through the mock', () => {
      const config = loadConfig({
        path: join(__dirname, '../../config/gateway.yaml'),
        env: {},
        cwd: join(__dirname, '../..'),
      });
      expect(config.providers.openai_main.keys).toEqual([]);
      expect(config.models['main-gpt'].chain.map((c) => c.provider)).toContain('mock');
    });
  });
});
