import type { LoggerService } from '@nestjs/common';
import { Client } from 'pg';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../support/postgres';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';

jest.setTimeout(60_000);

const KEY = 'sk-replicas-responses-0000001';

/** Two gateway replicas in this process that share nothing but one PostgreSQL store. */
describeWithPostgres('stored responses across two replicas on one PostgreSQL store', () => {
  let database: TestDatabase;
  let upstream: ScriptedUpstream;
  let a: StartedGateway;
  let b: StartedGateway;
  const warnings: string[] = [];
  const logger: LoggerService = {
    log: () => undefined,
    error: () => undefined,
    warn: (message: unknown) => warnings.push(String(message)),
  };

  const create = (url: string, body: Record<string, unknown>) =>
    fetch(`${url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-alias', ...body }),
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    upstream = await startScriptedUpstream();
    upstream.always(KEY, reply.chat('Hello, Ada.'));
    const config = {
      providers: { openai: { type: 'openai', base_url: upstream.baseUrl, keys: [KEY], probe_interval_ms: 600_000 } },
      models: { 'gpt-alias': { chain: [{ provider: 'openai', model: 'gpt-4o' }] } },
    };
    const env = { EVENT_STORE_URL: database.url };
    a = await startGateway({ config, env, logger });
    b = await startGateway({ config, env, logger });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await upstream?.close();
    await database?.drop();
  });

  it('continues on replica B, with previous_response_id, a response stored through replica A, and B reads it back', async () => {
    const first = await create(a.url, { input: 'My name is Ada.' });
    expect(first.status).toBe(200);
    const { id } = (await first.json()) as { id: string };

    const follow = await create(b.url, { input: 'What is my name?', previous_response_id: id });
    expect(follow.status).toBe(200);
    expect(await follow.json()).toMatchObject({ previous_response_id: id, status: 'completed' });
    const sent = upstream.callsFor(KEY).at(-1)?.body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);

    // In the shared database, not in a file both in-process replicas happen to share on this disk.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM switchboard_responses WHERE id = $1', [id]);
      expect(rows).toEqual([{ id }]);
    } finally {
      await client.end();
    }

    const read = await fetch(`${b.url}/v1/responses/${id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id, status: 'completed' });
  });

  it('warns no replica that its stored responses are kept apart from the others', () => {
    expect(warnings.filter((line) => line.includes('stored responses'))).toEqual([]);
  });
});
