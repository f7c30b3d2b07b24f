import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '@switchboard/config';
import { openReactTransport, type ReactTransport } from '../../src/gateway/react/react-transport';
import { createToolServer, type RunningToolServer } from '../../src/tool-server/main';
import { eventually, waitFor } from '../support/eventually';
import { freePort, startPrivateNats, type PrivateNats } from '../support/private-nats';
import { describeWithNats, uniquePrefix } from './support/nats';
import { toolsConfig } from './support/tools-config';

// Needs `nats-server` like the shared one: the test's own server, started after the transport.
describeWithNats('the ReAct transport when NATS comes after the gateway', () => {
  let transport: ReactTransport | undefined;
  let nats: PrivateNats | undefined;
  let toolServer: RunningToolServer | undefined;
  let watcher: NatsConnection | undefined;

  afterAll(async () => {
    await transport?.bus.close();
    await watcher?.close();
    await toolServer?.close();
    await nats?.stop();
  });

  it('answers tool calls as a tool-server outage until NATS is there, then reaches the tool server', async () => {
    const port = await freePort();
    const toolsPrefix = uniquePrefix();
    const subjectPrefix = `${uniquePrefix()}.sb`;
    const config = loadConfig({ text: 'providers: { mock: { type: mock } }\n', env: {} });
    transport = await openReactTransport(config, {
      NATS_URL: `nats://127.0.0.1:${port}`,
      NATS_TOOLS_PREFIX: toolsPrefix,
      NATS_SUBJECT_PREFIX: subjectPrefix,
    });
    const { bus, publisher } = transport;

    await expect(bus.call('calculator', { expression: '6 * 7' }, { timeoutMs: 2_000 })).resolves.toEqual({
      error: 'tool server unavailable: NATS is not reachable yet',
    });
    // A step of a session meanwhile goes nowhere, and does not throw.
    publisher.publish('before', 'thought', { text: 'no NATS yet' });

    nats = await startPrivateNats({ port });
    toolServer = await createToolServer(
      { tools: toolsConfig() },
      { natsUrl: nats.url, port: 0, host: '127.0.0.1', subjectPrefix: toolsPrefix, logger: false },
    );
    const answered = await eventually(
      () => bus.call('calculator', { expression: '6 * 7' }, { timeoutMs: 2_000 }),
      (result) => 'output' in result,
      30_000,
    );
    expect(answered).toEqual({ output: 42 });

    // Steps are published on the connection that came late.
    watcher = await connect({ servers: nats.url });
    const steps: Msg[] = [];
    watcher.subscribe(`${subjectPrefix}.react.>`, { callback: (_err, msg) => void steps.push(msg) });
    await watcher.flush();
    publisher.publish('after', 'thought', { text: 'NATS is here' });
    await waitFor('the step on NATS', () => steps.length > 0);
    expect(steps.map((m) => [m.subject, m.json<{ sessionId: string }>().sessionId])).toEqual([
      [`${subjectPrefix}.react.after.thought`, 'after'],
    ]);
  });
});
