import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ToolsConfig } from '@switchboard/config';
import { httpGet, ToolRegistry } from '@switchboard/react';
import { toolsConfig } from '../react/support/tools-config';

/** A real local HTTP server: `/big` (5000 bytes), `/small`, `/hang` (no answer), `/trickle` (a byte every 100 ms). */
async function startSite(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
    if (req.url === '/small') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url === '/hang') return;
    if (req.url === '/trickle') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('http_get limits (tools.http_get), against a real local server', () => {
  let site: Awaited<ReturnType<typeof startSite>>;
  const fetchWith = (httpGetConfig: Partial<ToolsConfig['httpGet']>, url: string) =>
    new ToolRegistry(
      [httpGet],
      toolsConfig({ httpGet: { maxBytes: 1000, timeoutMs: 5000, allowedHosts: ['127.0.0.1'], ...httpGetConfig } }),
    ).call('http_get', { url }, { timeoutMs: 10_000 });

  beforeAll(async () => {
    site = await startSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  describe('size', () => {
    it('cuts a body longer than max_bytes and says so', async () => {
      const result = await fetchWith({ maxBytes: 1000 }, `${site.url}/big`);
      expect(result).toEqual({
        output: { status: 200, contentType: 'text/plain', body: 'x'.repeat(1000), truncated: true },
      });
    });

    it('returns a body within max_bytes whole', async () => {
      await expect(fetchWith({ maxBytes: 1000 }, `${site.url}/small`)).resolves.toEqual({
        output: { status: 200, contentType: 'application/json', body: '{"ok":true}', truncated: false },
      });
    });
  });

  describe('time', () => {
    it('gives up on a server that never answers after timeout_ms', async () => {
      await expect(fetchWith({ timeoutMs: 300 }, `${site.url}/hang`)).resolves.toEqual({
        error: `http_get ${site.url}/hang timed out after 300 ms`,
      });
    });

    it('bounds the whole fetch, so a body trickling in under max_bytes cannot hold the tool', async () => {
      await expect(fetchWith({ timeoutMs: 500 }, `${site.url}/trickle`)).resolves.toEqual({
        error: `http_get ${site.url}/trickle timed out after 500 ms`,
      });
    });
  });

  describe('hosts', () => {
    it('refuses a private address when allowed_hosts is empty', async () => {
      await expect(fetchWith({ allowedHosts: [] }, `${site.url}/small`)).resolves.toEqual({
        error: 'refusing private address 127.0.0.1',
      });
    });

    it('refuses a name that resolves to a private address when allowed_hosts is empty', async () => {
      const port = new URL(site.url).port;
      await expect(fetchWith({ allowedHosts: [] }, `http://localhost:${port}/small`)).resolves.toEqual({
        error: expect.stringMatching(/^refusing localhost: it resolves to private address (127\.0\.0\.1|::1)$/),
      });
    });

    it('refuses a host that is not in a non-empty allowed_hosts', async () => {
      await expect(fetchWith({ allowedHosts: ['example.com'] }, `${site.url}/small`)).resolves.toEqual({
        error: 'host 127.0.0.1 is not in tools.http_get.allowed_hosts',
      });
    });

    it('refuses what is not http(s)', async () => {
      await expect(fetchWith({}, 'file:///etc/passwd')).resolves.toEqual({ error: 'only http and https URLs are allowed, not file:' });
    });
  });
});
