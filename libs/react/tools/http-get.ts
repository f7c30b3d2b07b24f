import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { ToolError, type Tool } from './tool';

/**
 * Fetches a URL for the model. Guarded because the model picks the URL: only http(s); with
 * `tools.http_get.allowed_hosts` empty any public host, with a list only those hosts (which may
 * then be private, e.g. 127.0.0.1 in tests). Private, loopback and link-local addresses are
 * refused at connect time too, so a name that resolves to one (DNS rebinding) does not pass.
 * Redirects are not followed: the model sees the status and `location` and may ask again.
 */
export const httpGet: Tool<{ url: string }> = {
  name: 'http_get',
  description: 'Fetches a public http(s) URL with GET and returns its status, content type and (possibly truncated) text body.',
  parameters: {
    type: 'object',
    properties: { url: { type: 'string', description: 'absolute http or https URL' } },
    required: ['url'],
    additionalProperties: false,
  },
  async run({ url }, ctx) {
    const { maxBytes, timeoutMs, allowedHosts } = ctx.config.httpGet;
    const target = parseTarget(url);
    const allowed = allowedHosts.map((h) => h.toLowerCase());
    const listed = allowed.includes(target.hostname);
    if (allowed.length > 0 && !listed) throw new ToolError(`host ${target.hostname} is not in tools.http_get.allowed_hosts`);
    const bareHost = target.hostname.replace(/^\[|\]$/g, '');
    if (!listed && isIP(bareHost) && isPrivateAddress(bareHost)) throw new ToolError(`refusing private address ${bareHost}`);

    const dispatcher = new Agent({ connect: { lookup: listed ? dnsLookup : publicOnlyLookup } });
    // One deadline for the whole fetch, body included: a server trickling bytes cannot hold the tool.
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await request(target, {
        method: 'GET',
        dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.any([ctx.signal, deadline]),
        headers: { 'user-agent': 'switchboard-tools/1', accept: 'text/*, application/json;q=0.9, */*;q=0.5' },
      });
      const contentType = String(response.headers['content-type'] ?? '');
      const { bytes, truncated } = await readLimited(response.body, maxBytes);
      const location = response.headers.location;
      return {
        status: response.statusCode,
        contentType,
        ...(location ? { location: String(location) } : {}),
        body: isText(contentType) ? bytes.toString('utf8') : `<${bytes.length} bytes of ${contentType || 'binary data'}>`,
        truncated,
      };
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (deadline.aborted || isTimeout(error)) throw new ToolError(`http_get ${target.href} timed out after ${timeoutMs} ms`);
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof ToolError) throw cause;
      const code = (error as { code?: string }).code;
      throw new ToolError(`http_get ${target.href} failed: ${code ?? (error as Error).message}`);
    } finally {
      void dispatcher.close();
    }
  },
};

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function parseTarget(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ToolError(`not an absolute URL: ${url}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new ToolError(`only http and https URLs are allowed, not ${target.protocol}`);
  if (target.username || target.password) throw new ToolError('URLs with credentials are not allowed');
  return target;
}

const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new ToolError(`refusing ${hostname}: it resolves to private address ${refused.address}`), '', 4);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

/** Loopback, private, link-local, CGNAT, unspecified, multicast and their IPv6 forms. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return (
    v6 === '::' ||
    v6 === '::1' ||
    v6.startsWith('fc') ||
    v6.startsWith('fd') ||
    v6.startsWith('fe8') ||
    v6.startsWith('fe9') ||
    v6.startsWith('fea') ||
    v6.startsWith('feb') ||
    v6.startsWith('ff')
  );
}

async function readLimited(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), truncated: true };
    }
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

function isText(contentType: string): boolean {
  return contentType === '' || /^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(contentType);
}
