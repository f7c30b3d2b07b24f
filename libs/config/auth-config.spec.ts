import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { ConfigError, loadConfig } from './load-config';

const base = `
providers:
  m: { type: mock }
models:
  fast: { chain: [{ provider: m, model: mock-1 }], rpm: 5, max_parallel: 2 }
`;

const load = (text: string, env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ text: base + text, env, cwd: mkdtempSync(join(tmpdir(), 'sb-auth-')), path: 'gateway.yaml' });

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('auth and limits in the config', () => {
  it('reads client keys as plain strings (named by fingerprint) or named entries with limits', () => {
    const config = load(
      `
auth:
  client_keys:
    - sb-plain-1
    - { name: ci, key_env: CI_KEY, models: [fast], rpm: 10, tpm: 1000, max_parallel: 3, budget: { usd: 2.5, per: day } }
    - { name: web, key: sb-web-1 }
  admin_keys: [sb-admin-1, { name: alice, key: sb-admin-2 }]
limits: { on_redis_error: deny }
`,
      { CI_KEY: 'sb-ci-1' },
    );
    expect(config.auth.clientKeys).toEqual([
      { name: fingerprint('sb-plain-1'), key: 'sb-plain-1', limits: {} },
      { name: 'ci', key: 'sb-ci-1', models: ['fast'], limits: { rpm: 10, tpm: 1000, maxParallel: 3, budget: { usd: 2.5, per: 'day' } } },
      { name: 'web', key: 'sb-web-1', limits: {} },
    ]);
    expect(config.auth.adminKeys).toEqual([
      { name: fingerprint('sb-admin-1'), key: 'sb-admin-1' },
      { name: 'alice', key: 'sb-admin-2' },
    ]);
    expect(config.limits.onRedisError).toBe('deny');
    expect(config.models.fast.limits).toEqual({ rpm: 5, maxParallel: 2 });
  });

  it('fails open on a Redis error unless told otherwise', () => {
    expect(load('').limits.onRedisError).toBe('allow');
  });

  it('names every bad entry by its path and never quotes a key', () => {
    const problems = problemsOf(
      `
auth:
  client_keys:
    - { name: ci, key_env: MISSING_KEY }
    - { name: "bad name", key: sb-secret-1 }
    - { name: x, key: sb-secret-2, key_env: X }
    - { name: y, key: sb-secret-3, rpm: 0, budget: { usd: -1, per: week } }
    - { name: y, key: sb-secret-4 }
limits: { on_redis_error: maybe }
`,
      { X: 'sb-secret-5' },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'auth.client_keys[0].key_env: environment variable MISSING_KEY is not set',
        expect.stringMatching(/^auth\.client_keys\[1\]\.name: /),
        'auth.client_keys[2]: key and key_env are exclusive',
        expect.stringMatching(/^auth\.client_keys\[3\]\.rpm: /),
        expect.stringMatching(/^auth\.client_keys\[3\]\.budget\.usd: /),
        expect.stringMatching(/^auth\.client_keys\[3\]\.budget\.per: /),
        "auth.client_keys[4].name: 'y' is listed twice",
        expect.stringMatching(/^limits\.on_redis_error: /),
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/sb-secret/);
  });
});
