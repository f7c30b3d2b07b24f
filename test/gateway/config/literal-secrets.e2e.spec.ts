import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { startGatewayProcess, type Child } from '../../keeper/fixtures/child-process';
import { CapturingLogger } from '../../support/capturing-logger';
import { eventually } from '../../support/eventually';
import { startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

jest.setTimeout(120_000);

const ADMIN_KEY = 'sb-admin-literal-secrets-7d21';
/** Sent in a PUT to A only: stored masked, so B never learns it. */
const LITERAL = 'sk-literal-secrets-put-only-0001';
/** `${SHARED_UPSTREAM_KEY}`, set in both processes' environment. */
const SHARED = 'sk-literal-secrets-by-env-0002';
const LITERAL_FP = fingerprint(LITERAL);

interface ConfigDoc {
  providers: Record<string, unknown>;
  models: Record<string, unknown>;
}
interface Warning {
  path: string;
  fingerprint: string;
  message: string;
}

/**
 * Two gateways on one SQLite store: A in this process, B in a child of its own (its own logs, and
 * no secret but its file's and environment's, as any other replica or A after a restart). A
 * literal upstream key PUT through A is stored masked: A's answer says it reaches A only, B never
 * calls the upstream with it and says so once; a `${VAR}` key works on both, without a word.
 */
describe('a literal secret PUT through one replica', () => {
  let upstream: ScriptedUpstream;
  let a: StartedGateway;
  let b: { child: Child; url: string };
  const logsOfA = new CapturingLogger();
  const answers: string[] = [];
  /** The revision that brought the literal key. */
  let literalRevision: number;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    const env = { SHARED_UPSTREAM_KEY: SHARED };
    a = await startGateway({
      config: {
        auth: { admin_keys: [{ name: 'ops', key: ADMIN_KEY }] },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        keeper: { enabled: false },
      },
      env,
      logger: logsOfA,
    });
    b = await startGatewayProcess({ SWITCHBOARD_CONFIG: join(a.dir, 'gateway.yaml'), EVENT_STORE_URL: `sqlite:${a.storePath}`, ...env });
  });
  afterAll(async () => {
    await b?.child.stop();
    await a?.close();
    await upstream?.close();
  });

  const admin = async (url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  const chat = async (url: string, model: string) => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) as { error?: { upstream_calls: number; skipped: unknown[] } } };
  };
  const current = async () => (await admin(a.url, 'GET', '/admin/config')).body as { revision: number; config: ConfigDoc };
  /** The config with the two upstream profiles and an alias on each. */
  const withUpstreams = (config: ConfigDoc): ConfigDoc => ({
    ...config,
    providers: {
      ...config.providers,
      literal: { type: 'openai', base_url: upstream.baseUrl, keys: [LITERAL] },
      shared: { type: 'openai', base_url: upstream.baseUrl, keys: ['${SHARED_UPSTREAM_KEY}'] },
    },
    models: {
      ...config.models,
      'literal-gpt': { chain: [{ provider: 'literal', model: 'gpt-x' }] },
      'shared-gpt': { chain: [{ provider: 'shared', model: 'gpt-x' }] },
    },
  });
  const warningsOfB = () => b.child.stdout.split('\n').filter((line) => line.includes('does not know it, so it does not use it'));

  it('A validates and applies it, and both answers name the literal key by path and fingerprint: it reaches A only, until A restarts', async () => {
    const { revision, config } = await current();
    const expected: Warning[] = [
      {
        path: 'providers.literal.keys[0]',
        fingerprint: LITERAL_FP,
        message: expect.stringMatching(
          /reaches only this process.*other replicas see only the mask.*loses it on restart.*\$\{VAR\}.*keys file/,
        ),
      },
    ];
    const validated = await admin(a.url, 'POST', '/admin/config/validate', { config: withUpstreams(config) });
    expect(validated).toEqual({ status: 200, body: { valid: true, errors: [], warnings: expected } });

    const put = await admin(a.url, 'PUT', '/admin/config', { config: withUpstreams(config) }, { 'if-match': `"${revision}"` });
    expect(put.status).toBe(200);
    literalRevision = put.body.revision as number;
    // The `${VAR}` key travels as the reference: nothing to warn of.
    expect(put.body.warnings).toEqual(expected);
  });

  it('A serves the alias with the literal key', async () => {
    const served = await eventually(
      () => chat(a.url, 'literal-gpt'),
      (res) => res.status === 200,
    );
    expect(served.status).toBe(200);
    expect(upstream.callsFor(LITERAL).length).toBeGreaterThan(0);
  });

  it('B applies the stored config, never calls the upstream with the masked key, and says why in its 503', async () => {
    const calls = upstream.requests.length;
    const onB = await eventually(
      () => chat(b.url, 'literal-gpt'),
      (res) => res.status !== 404, // 404 until B has the new alias
      5_000,
    );
    expect(onB.status).toBe(503);
    expect(onB.body.error).toMatchObject({ upstream_calls: 0, skipped: [{ profile: 'literal', reason: 'key_secret_unknown' }] });
    expect(upstream.requests.length).toBe(calls);
    // B leaves the key registered for A, which still serves with it.
    expect((await chat(a.url, 'literal-gpt')).status).toBe(200);
  });

  it('B says once, by path and fingerprint, that it does not use the key, and A says nothing of the kind', async () => {
    await b.child.waitFor(new RegExp(`config revision ${literalRevision} applied`));
    expect(warningsOfB()).toEqual([expect.stringContaining(`providers.literal.keys[0] (${LITERAL_FP})`)]);
    // A later revision does not repeat it (a warning of a revision comes before its "applied" line).
    const { revision, config } = await current();
    const next = { ...config, models: { ...config.models, 'mock-later': { chain: [{ provider: 'mock', model: 'mock-2' }] } } };
    expect((await admin(a.url, 'PUT', '/admin/config', { config: next }, { 'if-match': `"${revision}"` })).status).toBe(200);
    await b.child.waitFor(new RegExp(`config revision ${revision + 1} applied`));
    expect((await chat(b.url, 'literal-gpt')).status).toBe(503);
    expect(warningsOfB()).toHaveLength(1);
    expect(logsOfA.lines.filter((line) => line.includes('does not know it'))).toEqual([]);
  });

  it('the ${VAR} key works on both replicas, and neither warns of it', async () => {
    const before = upstream.callsFor(SHARED).length;
    expect((await chat(a.url, 'shared-gpt')).status).toBe(200);
    expect((await chat(b.url, 'shared-gpt')).status).toBe(200);
    expect(upstream.callsFor(SHARED).length).toBe(before + 2);
    expect(b.child.stdout + logsOfA.lines.join('\n')).not.toContain('providers.shared');
  });

  it('the OpenAPI document describes the warnings of PUT and validate', async () => {
    interface Schema {
      $ref?: string;
      type?: string;
      items?: Schema;
      properties?: Record<string, Schema>;
    }
    const doc = (await (await fetch(`${a.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>>;
      components: { schemas: Record<string, Schema> };
    };
    const schemaOf = (ref: string | undefined) => doc.components.schemas[ref!.replace('#/components/schemas/', '')];
    for (const [path, method] of [
      ['/admin/config', 'put'],
      ['/admin/config/validate', 'post'],
    ]) {
      const answer = schemaOf(doc.paths[path][method].responses['200'].content['application/json'].schema.$ref);
      const warning = schemaOf(answer.properties!.warnings.items!.$ref);
      expect(Object.keys(warning.properties!).sort()).toEqual(['fingerprint', 'message', 'path']);
    }
  });

  it('no literal key appears in any answer or log line of either replica', () => {
    for (const secret of [LITERAL, SHARED, ADMIN_KEY]) {
      expect(answers.filter((text) => text.includes(secret))).toEqual([]);
      expect(logsOfA.lines.filter((line) => line.includes(secret))).toEqual([]);
      expect(b.child.stdout + b.child.stderr).not.toContain(secret);
    }
  });
});
