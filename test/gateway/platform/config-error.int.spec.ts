import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, runEntry } from '../../keeper/fixtures/child-process';

describe('starting with an invalid configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-badconfig-'));
    writeFileSync(
      join(dir, 'gateway.yaml'),
      [
        'server: { port: 99999 }',
        'providers:',
        '  az: { type: azure }',
        '  weird: { type: openia }',
        'models:',
        '  main-gpt:',
        '    chain:',
        '      - { provider: azure_bkp, model: gpt-4o }',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['src/gateway/main.ts', 'src/keeper/main.ts'])(
    '%s exits with code 1 and lists every problem by path',
    async (entry) => {
      const child = runEntry(entry, childEnv({ SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'), EVENT_STORE_URL: 'memory:' }));
      const code = await child.exited;
      expect(code).toBe(1);
      expect(child.stderr).toContain('server.port');
      expect(child.stderr).toContain('providers.az.base_url');
      expect(child.stderr).toContain('providers.weird.type');
      expect(child.stderr).toMatch(/models\.main-gpt\.chain\[0\]\.provider: .*azure_bkp/);
      expect(child.stdout).not.toMatch(/listening on/);
    },
    60_000,
  );
});

describe('starting with a malformed NATS_URL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-badnats-'));
    writeFileSync(join(dir, 'gateway.yaml'), 'providers: { mock: { type: mock } }\nkeeper: { enabled: false }\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits with code 1 naming NATS_URL (a mistake to fix, unlike a server not reachable yet), without its password', async () => {
    const child = runEntry(
      'src/gateway/main.ts',
      childEnv({ SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'), EVENT_STORE_URL: 'memory:', NATS_URL: 'nats://sb:hunter2@nats:42x22' }),
    );
    const code = await child.exited;
    expect(code).toBe(1);
    expect(child.stderr).toMatch(/invalid configuration \(NATS_URL\)/);
    expect(child.stderr).toContain('"nats://***@nats:42x22" is not a server address');
    expect(child.stdout + child.stderr).not.toContain('hunter2');
    expect(child.stdout).not.toMatch(/listening on/);
  }, 60_000);
});
