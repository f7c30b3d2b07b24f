import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KeyPoolProjection, ProviderHealthProjection, type KeyView, type ProviderView } from '@switchboard/domain';
import { SqliteEventStore, type RecordedEvent } from '@switchboard/event-store';

interface Ack {
  position: string;
  keys: KeyView[];
  providers: ProviderView[];
}
type Line = { next: { stream: string } } | { ack: Ack };

const CHILD = join(__dirname, 'fixtures', 'restart-child.js');

/** Runs the writer until it has acknowledged `acks` commands, then SIGKILLs it mid-work. */
function runAndKill(file: string, seed: number, acks: number): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ file, seed })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Line[] = [];
    let stderr = '';
    let seen = 0;
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch (error) {
        // Killed in the middle of writing a line longer than the pipe takes at once: its start is
        // the output's last text, and what it would have said is not acknowledged.
        if (killed) return;
        return reject(error as Error);
      }
      lines.push(line);
      if ('ack' in line && ++seen === acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lines);
      else reject(new Error(`writer exited with ${String(code)} before being killed: ${stderr}`));
    });
  });
}

describe('rebuilding the read models after a crash', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2])(
    'gives the state the killed writer last acknowledged (seed %i)',
    async (seed) => {
      const file = join(dir, 'events.db');
      const lines = await runAndKill(file, seed, 150);

      const lastAckAt = lines.map((line) => 'ack' in line).lastIndexOf(true);
      const printed = (lines[lastAckAt] as { ack: Ack }).ack;
      const inFlight = lines.slice(lastAckAt + 1).find((line): line is { next: { stream: string } } => 'next' in line);

      const store = new SqliteEventStore(file);
      const keys = new KeyPoolProjection();
      const providers = new ProviderHealthProjection();
      const unacknowledged: RecordedEvent[] = [];
      const types = new Set<string>();
      try {
        for await (const event of store.readAll()) {
          types.add(event.type);
          if (event.position > BigInt(printed.position)) {
            unacknowledged.push(event);
            continue;
          }
          keys.apply(event);
          providers.apply(event);
        }
      } finally {
        await store.close();
      }

      expect({ keys: keys.list(), providers: providers.list() }).toEqual({
        keys: printed.keys,
        providers: printed.providers,
      });
      // The kill may land after a commit and before its ack: at most that one command's events remain.
      expect(unacknowledged.length).toBeLessThanOrEqual(2);
      for (const event of unacknowledged) expect(event.stream).toBe(inFlight?.next.stream);
      // The mix was realistic: quarantines, restores, probes, retirements and circuit trips all happened.
      expect(types.size).toBeGreaterThanOrEqual(10);
    },
    60_000,
  );
});
