import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGatewayWithConfig, type Child } from '../../keeper/fixtures/child-process';
import { eventually } from '../../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';

const KEY = 'sk-shutdown-stream-000000000001';
const PIECES = Array.from({ length: 20 }, (_, i) => `piece${i} `);

/** `src/gateway/main.ts` in a child process, stopped the way Kubernetes stops a pod: SIGTERM. */
describe('SIGTERM with a stream in flight', () => {
  let upstream: ScriptedUpstream;
  let dir: string;
  let gateway: Child | undefined;

  beforeEach(async () => {
    upstream = await startScriptedUpstream();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-shutdown-'));
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (graceMs: number) => {
    const config = {
      providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [KEY] } },
      models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
      keeper: { enabled: false },
    };
    let url: string;
    ({ child: gateway, url } = await runGatewayWithConfig(dir, config, { SHUTDOWN_GRACE_MS: String(graceMs) }));
    return url;
  };

  /** Starts a streamed chat and reads its first chunk, so the stream is in flight when this resolves. */
  const openStream = async (url: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    const rest = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return text;
        text += decoder.decode(value);
      }
    })();
    return { rest, received: () => text };
  };

  it('turns not-ready at once, serves the 2 s stream to its end, and exits 0', async () => {
    upstream.always(KEY, reply.stream(PIECES, { intervalMs: 100 }));
    const url = await start(30_000);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const stream = await openStream(url);

    gateway!.process.kill('SIGTERM');
    const ready = await eventually(
      () => fetch(`${url}/health/ready`),
      (r) => r.status === 503,
      5_000,
    );
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'error', error: { shutdown: { status: 'down' } } });
    // Not-ready came while the stream was still being served.
    expect(stream.received()).not.toContain('[DONE]');

    const body = await stream.rest;
    for (const piece of PIECES) expect(body).toContain(piece);
    expect(body).toContain('data: [DONE]');
    expect(await gateway!.exited).toBe(0);
  });

  it('past SHUTDOWN_GRACE_MS it stops waiting for the stream and still exits 0', async () => {
    upstream.always(KEY, reply.stream(PIECES, { intervalMs: 1_000 }));
    const url = await start(500);
    const stream = await openStream(url);
    gateway!.process.kill('SIGTERM');
    expect(await gateway!.exited).toBe(0);
    expect(await stream.rest).not.toContain('[DONE]');
    expect(gateway!.stdout + gateway!.stderr).toMatch(/still in flight after 500 ms/);
  });
});
