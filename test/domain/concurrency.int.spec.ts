import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { apiKeyDecider, apiKeyStream, KeyPoolProjection, runCommand, type ApiKeyCommand } from '@switchboard/domain';
import { ConcurrencyError, InMemoryEventStore, SqliteEventStore, type EventStore } from '@switchboard/event-store';

const fp = '0123456789abcdef';
const stream = apiKeyStream(fp);
const now = '2025-01-01T12:00:00.000Z';

const registerKey: ApiKeyCommand = {
  type: 'RegisterKey',
  data: { fingerprint: fp, provider: 'openai_main', now },
};
const sameFailure: ApiKeyCommand = {
  type: 'QuarantineKey',
  data: { fingerprint: fp, reason: 'upstream_error', status: 503, until: '2025-01-01T12:00:05.000Z', now },
};

function describeRunCommand(name: string, open: () => { store: EventStore; dispose: () => Promise<void> }) {
  describe(`runCommand on ${name}`, () => {
    let store: EventStore;
    let dispose: () => Promise<void>;

    beforeEach(() => {
      ({ store, dispose } = open());
    });
    afterEach(() => dispose());

    it('records exactly one KeyQuarantined when 100 requests report the same failure at once', async () => {
      const { recorded: registered } = await runCommand(store, stream, apiKeyDecider, registerKey);

      const results = await Promise.all(Array.from({ length: 100 }, () => runCommand(store, stream, apiKeyDecider, sameFailure)));

      const types = (await store.readStream(stream)).map((e) => e.type);
      expect(types).toEqual(['KeyRegistered', 'KeyQuarantined']);
      expect(results.filter((r) => r.recorded.length > 0)).toHaveLength(1);

      const pool = new KeyPoolProjection();
      for (const recorded of [...registered, ...results.flatMap((r) => r.recorded)]) pool.apply(recorded);
      expect(pool.get(fp)?.state).toBe('quarantined');
    });

    it('returns the stream it decided on and the recorded events, with revisions, for the caller to apply to its projections', async () => {
      const { recorded: registered } = await runCommand(store, stream, apiKeyDecider, registerKey);
      const { recorded: quarantined, history } = await runCommand(store, stream, apiKeyDecider, sameFailure);
      const pool = new KeyPoolProjection();
      for (const event of [...registered, ...quarantined]) pool.apply(event);

      expect(registered.map((e) => [e.type, e.revision])).toEqual([['KeyRegistered', 0]]);
      expect(quarantined.map((e) => [e.type, e.revision])).toEqual([['KeyQuarantined', 1]]);
      expect(history).toEqual(registered);
      expect(pool.get(fp)).toMatchObject({
        state: 'quarantined',
        until: '2025-01-01T12:00:05.000Z',
        status: 503,
      });
    });

    it('appends nothing when the decision is that nothing changes', async () => {
      await runCommand(store, stream, apiKeyDecider, registerKey);
      const again = await runCommand(store, stream, apiKeyDecider, registerKey);
      expect(again.recorded).toEqual([]);
      expect(again.history.map((e) => e.type)).toEqual(['KeyRegistered']);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('gives up with the ConcurrencyError once its attempts are spent', async () => {
      const outcomes = await Promise.allSettled([
        runCommand(store, stream, apiKeyDecider, registerKey, { maxAttempts: 1 }),
        runCommand(store, stream, apiKeyDecider, registerKey, { maxAttempts: 1 }),
      ]);
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(1);
    });
  });
}

describeRunCommand('InMemoryEventStore', () => {
  const store = new InMemoryEventStore();
  return { store, dispose: () => store.close() };
});

describeRunCommand('SqliteEventStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-domain-'));
  const store = new SqliteEventStore(join(dir, 'events.db'));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** A replica in its own process; resolves with its output lines once it exits cleanly. */
function startReplica(args: object): { ready: Promise<void>; go: () => void; done: Promise<string[]> } {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'quarantine-child.js'), JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (line === 'ready') markReady();
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`replica exited with ${String(code)}: ${stderr}`))));
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('runCommand across processes on one SQLite file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-replicas-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records exactly one KeyQuarantined when three replicas report the same failure 30 times each', async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore(file);
    await runCommand(store, stream, apiKeyDecider, registerKey);

    const replicas = [1, 2, 3].map(() => startReplica({ file, fingerprint: fp, count: 30, now, until: '2025-01-01T12:00:05.000Z' }));
    await Promise.all(replicas.map((r) => r.ready));
    for (const replica of replicas) replica.go();
    const outputs = await Promise.all(replicas.map((r) => r.done));

    const appended = outputs.map((lines) => (JSON.parse(lines[lines.length - 1]) as { appended: number }).appended);
    expect(appended.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
    await store.close();
  }, 60_000);
});
