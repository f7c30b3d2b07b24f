import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGatewayWithConfig, type Child } from '../../keeper/fixtures/child-process';
import { waitFor } from '../../support/eventually';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver';

/** The collector's auth token, as an operator sets it: it must reach the collector and never the log. */
const TOKEN = 'otlp-auth-token-5f1c9a7e3b2d4e6f';

const CONFIG = {
  providers: { mock: { type: 'mock' } },
  models: { m: { chain: [{ provider: 'mock', model: 'mock-1' }] } },
  keeper: { enabled: false },
};

const collectorEnv = (receiver: OtlpReceiver): NodeJS.ProcessEnv => ({
  LOG_LEVEL: 'info',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}`,
  // Shorter than the exporter's first retry (about a second): one post per export, none retried.
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '500',
});

/** The gateway in a child process on `CONFIG`, once its readiness says 200. */
async function readyGateway(dir: string, env: NodeJS.ProcessEnv): Promise<{ child: Child; url: string }> {
  const started = await runGatewayWithConfig(dir, CONFIG, env);
  try {
    await waitFor('the gateway to be ready', () => fetch(`${started.url}/health/ready`).then((res) => res.status === 200));
  } catch (error) {
    await started.child.stop();
    throw error;
  }
  return started;
}

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });

const logLines = (child: Child): LogLine[] =>
  child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

interface LogLine {
  level: number;
  msg: string;
  context?: string;
  endpoint?: string;
  failedExports?: number;
}

/**
 * The gateway as its own process, its collector answering 503: the operator reads one warning
 * naming the collector (never its token), not one per batch, and one line when exports work again.
 */
describe('a gateway whose OTLP collector fails', () => {
  let receiver: OtlpReceiver;
  let gateway: Child | undefined;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    receiver.answer(503);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-otlp-down-'));
    ({ child: gateway, url } = await readyGateway(dir, { ...collectorEnv(receiver), OTEL_BSP_SCHEDULE_DELAY: '20' }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A request, then its spans' export reaching the collector. */
  const exportedRequest = async () => {
    const before = receiver.exports.length;
    expect((await chat(url)).status).toBe(200);
    await waitFor('an export of the request spans', () => receiver.exports.length > before);
  };

  it('logs one warning with the endpoint, no secret, and one line once the collector answers again', async () => {
    const endpoint = `${receiver.url}/v1/traces`;
    await gateway!.waitFor(/spans could not be exported/);
    for (let i = 0; i < 4; i++) await exportedRequest();
    const refused = receiver.exports.filter((e) => e.status === 503).length;
    expect(refused).toBeGreaterThanOrEqual(5);

    receiver.answer(200);
    await exportedRequest();
    await gateway!.waitFor(/spans are exported to .* again/);

    const told = logLines(gateway!).filter((l) => l.context === 'Tracing');
    expect(told).toEqual([
      expect.objectContaining({
        level: 40,
        endpoint,
        msg: `spans could not be exported to ${endpoint}: the collector answered 429, 502, 503 or 504 (retried until the export timeout)`,
      }),
      expect.objectContaining({
        level: 30,
        endpoint,
        failedExports: refused,
        msg: `spans are exported to ${endpoint} again, after ${refused} failed export(s)`,
      }),
    ]);
    // The token went to the collector with every export, and nowhere in what the process wrote.
    expect(receiver.exports.every((e) => e.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(gateway!.stdout + gateway!.stderr).not.toContain(TOKEN);
    expect(receiver.spans.some((s) => s.name === 'POST /v1/chat/completions')).toBe(true);
  }, 60_000);
});

/** SIGTERM while spans wait for their batch and the collector refuses them: said in the log, and still exit 0. */
describe('a gateway stopping while its collector fails', () => {
  let receiver: OtlpReceiver;
  let dir: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    receiver.answer(503);
    dir = mkdtempSync(join(tmpdir(), 'switchboard-otlp-down-'));
  });
  afterAll(async () => {
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exports its last spans on SIGTERM, logs that they could not be, and exits 0', async () => {
    // No batch leaves before the shutdown's flush.
    const { child, url } = await readyGateway(dir, { ...collectorEnv(receiver), OTEL_BSP_SCHEDULE_DELAY: '600000' });
    try {
      expect((await chat(url)).status).toBe(200);
      expect(receiver.exports).toEqual([]);
    } finally {
      await child.stop();
    }
    expect(await child.exited).toBe(0);
    expect(receiver.exports.map((e) => e.status)).toEqual([503]);
    expect(logLines(child).filter((l) => l.context === 'Tracing')).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^spans could not be exported to /) }),
    ]);
    expect(child.stdout + child.stderr).not.toContain(TOKEN);
  }, 60_000);
});
