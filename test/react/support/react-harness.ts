import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import { SqliteEventStore } from '@switchboard/event-store';
import {
  NatsStepPublisher,
  NatsToolBus,
  OpenAiHttpModelClient,
  PatternRegistry,
  runReactSession,
  type ReactDeps,
  type ReactRunInput,
  type SessionOutcome,
  type StepEvent,
} from '@switchboard/react';
import { createToolServer, type RunningToolServer } from '../../../src/tool-server/main';
import { startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { NATS_URL, uniquePrefix } from './nats';
import { toolsConfig } from './tools-config';

export const PATTERNS_DIR = join(__dirname, '../../../config/patterns');

/**
 * Everything a session needs, all real: the scripted upstream (an OpenAI-compatible HTTP
 * server), the tool server on NATS, a SQLite event store in a temp dir, and a NATS subscriber
 * collecting what is published on `switchboard.react.>`.
 */
export interface ReactHarness {
  upstream: ScriptedUpstream;
  toolServer: RunningToolServer;
  store: SqliteEventStore;
  nc: NatsConnection;
  deps(opts?: { key?: string }): ReactDeps;
  /** Runs a session, collecting what `onEvent` received. */
  run(
    input: Partial<ReactRunInput> & { question: string; key: string },
    opts?: { signal?: AbortSignal; onEvent?: (e: StepEvent) => void; newId?: () => string },
  ): Promise<{ outcome: SessionOutcome; events: StepEvent[]; sessionId: string }>;
  /** Messages published for a session (`switchboard.react.<id>.*`), decoded. */
  published(sessionId: string): Array<{ subject: string; data: Record<string, unknown> }>;
  close(): Promise<void>;
}

let counter = 0;

export async function startReactHarness(): Promise<ReactHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'react-'));
  const upstream = await startScriptedUpstream();
  const prefix = uniquePrefix();
  const toolServer = await createToolServer(
    { tools: toolsConfig() },
    { natsUrl: NATS_URL, port: 0, host: '127.0.0.1', subjectPrefix: prefix, logger: false },
  );
  const store = new SqliteEventStore(join(dir, 'events.db'));
  const nc = await connect(natsConnectOptions(NATS_URL));
  const bus = new NatsToolBus(nc, { subjectPrefix: prefix });
  const publisher = new NatsStepPublisher(nc);
  const patterns = PatternRegistry.load(PATTERNS_DIR);
  const received: Array<{ subject: string; data: Record<string, unknown> }> = [];
  const sub: Subscription = nc.subscribe('switchboard.react.>', {
    callback: (_err, msg) => {
      received.push({ subject: msg.subject, data: msg.json<Record<string, unknown>>() });
    },
  });
  await nc.flush();

  const deps = (opts: { key?: string } = {}): ReactDeps => ({
    model: new OpenAiHttpModelClient({ baseUrl: upstream.baseUrl, apiKey: opts.key }),
    tools: bus,
    store,
    publish: publisher,
    now: () => new Date(),
    patterns,
  });

  return {
    upstream,
    toolServer,
    store,
    nc,
    deps,
    async run(input, opts = {}) {
      const sessionId = input.sessionId ?? `t${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
      const events: StepEvent[] = [];
      const { question, key, ...rest } = input;
      const outcome = await runReactSession(
        {
          sessionId,
          alias: 'agent',
          pattern: 'basic_react',
          messages: [{ role: 'user', content: question }],
          maxSteps: 6,
          stepTimeoutMs: 10_000,
          totalTimeoutMs: 30_000,
          depth: 0,
          ...rest,
        },
        { ...deps({ key }), ...(opts.newId ? { newId: opts.newId } : {}) },
        (e) => {
          events.push(e);
          opts.onEvent?.(e);
        },
        opts.signal ?? new AbortController().signal,
      );
      await nc.flush();
      return { outcome, events, sessionId };
    },
    published: (sessionId) => received.filter((m) => m.subject.startsWith(`switchboard.react.${sessionId}.`)),
    async close() {
      sub.unsubscribe();
      await nc.drain();
      await toolServer.close();
      await upstream.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A chat completion whose message calls tools natively. */
export function toolCallCompletion(
  calls: Array<{ id: string; name: string; args: unknown }>,
  content: string | null = null,
): Record<string, unknown> {
  return {
    id: 'chatcmpl-tools',
    object: 'chat.completion',
    created: 1700000000,
    model: 'scripted',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
        },
        finish_reason: 'tool_calls',
      },
    ],
  };
}

/** One text step of the basic_react pattern. */
export const textAction = (thought: string, tool: string, input: unknown): string =>
  `Thought: ${thought}\nAction: ${tool}\nAction Input: ${JSON.stringify(input)}`;
export const textAnswer = (thought: string, answer: string): string => `Thought: ${thought}\nFinal Answer: ${answer}`;

/**
 * "What is 12 * 7 + 16?" solved in two calculator steps in the text format: what the model says
 * at each step, and the timeline a session of it shows (the engine's events, the gateway's stream).
 */
export const TWO_STEP_CALCULATION = {
  question: 'What is 12 * 7 + 16?',
  modelReplies: [
    textAction('First the product.', 'calculator', { expression: '12 * 7' }),
    textAction('Now add 16.', 'calculator', { expression: '84 + 16' }),
    textAnswer('I now know the final answer', '100'),
  ],
  timeline: (sessionId: string) => [
    { type: 'session', data: { id: sessionId } },
    { type: 'thought', data: { text: 'First the product.', step: 1 } },
    { type: 'action', data: { tool: 'calculator', input: { expression: '12 * 7' }, step: 1 } },
    { type: 'observation', data: { tool: 'calculator', output: 84, step: 1 } },
    { type: 'thought', data: { text: 'Now add 16.', step: 2 } },
    { type: 'action', data: { tool: 'calculator', input: { expression: '84 + 16' }, step: 2 } },
    { type: 'observation', data: { tool: 'calculator', output: 100, step: 2 } },
    { type: 'thought', data: { text: 'I now know the final answer', step: 3 } },
    { type: 'answer', data: { content: '100', step: 3 } },
  ],
};
