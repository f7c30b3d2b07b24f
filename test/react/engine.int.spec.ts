import { reactStream } from '@switchboard/domain';
import { replaySession } from '@switchboard/react';
import { waitFor } from '../support/eventually';
import { reply } from '../support/scripted-upstream';
import { describeWithNats } from './support/nats';
import {
  startReactHarness,
  TWO_STEP_CALCULATION,
  textAction,
  textAnswer,
  toolCallCompletion,
  type ReactHarness,
} from './support/react-harness';

type Message = { role: string; content: string | null; tool_call_id?: string };
const messagesOf = (body: unknown): Message[] => (body as { messages: Message[] }).messages;

describeWithNats('ReAct engine: scripted model over HTTP, tools on the real tool server over NATS', () => {
  let h: ReactHarness;
  beforeAll(async () => {
    h = await startReactHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('solves a multi-step calculation in the text format, streams each step and replays it identically', async () => {
    h.upstream.script('multi', ...TWO_STEP_CALCULATION.modelReplies.map((text) => reply.chat(text)));
    const { outcome, events, sessionId } = await h.run({ question: TWO_STEP_CALCULATION.question, key: 'multi' });

    expect(outcome).toEqual({ status: 'finished', content: '100' });
    expect(events).toEqual(TWO_STEP_CALCULATION.timeline(sessionId));

    // The model saw the pattern's prompt with the tools, and each observation came back to it.
    const [first, second, third] = h.upstream.callsFor('multi').map((r) => messagesOf(r.body));
    expect(first[0].role).toBe('system');
    expect(first[0].content).toContain('- calculator:');
    expect(first[0].content).toContain('Question: What is 12 * 7 + 16?');
    expect(second.at(-1)).toEqual({ role: 'user', content: 'Observation: 84' });
    expect(third.at(-1)).toEqual({ role: 'user', content: 'Observation: 100' });

    await expect(replaySession(h.store, sessionId)).resolves.toEqual({ id: sessionId, status: 'finished', events });
    const published = h.published(sessionId);
    expect(published.map((m) => m.subject)).toEqual(events.slice(1).map((e) => `switchboard.react.${sessionId}.${e.type}`));
    expect(published.map((m) => m.data)).toEqual(events.slice(1).map((e) => ({ ...e.data, sessionId })));
  });

  it('uses native tool calls when the model makes them', async () => {
    h.upstream.script(
      'native',
      reply.json(toolCallCompletion([{ id: 'call_1', name: 'calculator', args: { expression: '2 ^ 8' } }], 'Let me compute.')),
      reply.chat('256 is the answer.'),
    );
    const { outcome, events } = await h.run({ question: '2 to the 8th?', key: 'native' });

    expect(outcome).toEqual({ status: 'finished', content: '256 is the answer.' });
    expect(events.slice(1)).toEqual([
      { type: 'thought', data: { text: 'Let me compute.', step: 1 } },
      { type: 'action', data: { tool: 'calculator', input: { expression: '2 ^ 8' }, step: 1 } },
      { type: 'observation', data: { tool: 'calculator', output: 256, step: 1 } },
      { type: 'answer', data: { content: '256 is the answer.', step: 2 } },
    ]);
    const second = messagesOf(h.upstream.callsFor('native')[1].body);
    expect(second.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '256' });
    expect(
      (h.upstream.callsFor('native')[0].body as { tools: Array<{ function: { name: string } }> }).tools.map((t) => t.function.name),
    ).toContain('calculator');
  });

  it('feeds a tool error and a malformed step back to the model and recovers', async () => {
    h.upstream.script(
      'recover',
      reply.chat(textAction('Divide.', 'calculator', { expression: '10 / (5 - 5)' })),
      reply.chat('Hmm, I am not sure what to do.'),
      reply.chat(textAction('Divide by 5 instead.', 'calculator', { expression: '10 / 5' })),
      reply.chat(textAnswer('Done.', '2')),
    );
    const { outcome, events } = await h.run({ question: 'Divide 10 by 5', key: 'recover' });

    expect(outcome).toEqual({ status: 'finished', content: '2' });
    const observations = events.filter((e) => e.type === 'observation').map((e) => e.data);
    expect(observations).toEqual([
      { tool: 'calculator', error: 'division by zero', step: 1 },
      { tool: null, error: expect.stringContaining("invalid step: no 'Action:' or 'Final Answer:' found"), step: 2 },
      { tool: 'calculator', output: 2, step: 3 },
    ]);
    const calls = h.upstream.callsFor('recover').map((r) => messagesOf(r.body));
    expect(calls[1].at(-1)).toEqual({ role: 'user', content: 'Observation: error: division by zero' });
    expect(calls[2].at(-1)?.content).toContain('Observation: error: invalid step');
  });

  it('ends a session that never answers with the step limit, and records it as failed', async () => {
    h.upstream.always('loop', reply.chat(textAction('Again.', 'calculator', { expression: '1 + 1' })));
    const { outcome, events, sessionId } = await h.run({ question: 'loop forever', key: 'loop', maxSteps: 3 });

    expect(outcome).toEqual({ status: 'failed', message: 'step limit of 3 reached' });
    expect(events.at(-1)).toEqual({ type: 'error', data: { message: 'step limit of 3 reached', step: 3 } });
    expect(events.filter((e) => e.type === 'action')).toHaveLength(3);
    expect(h.upstream.callsFor('loop')).toHaveLength(3);
    await expect(replaySession(h.store, sessionId)).resolves.toMatchObject({ status: 'failed', events });
  });

  it('runs ask_agent as a nested session one level deeper and uses its answer', async () => {
    h.upstream.script(
      'nested',
      reply.chat(textAction('Delegate.', 'ask_agent', { question: 'What is 6 * 7?' })),
      reply.chat(textAction('Multiply.', 'calculator', { expression: '6 * 7' })),
      reply.chat(textAnswer('Easy.', '42')),
      reply.chat(textAnswer('The helper knows.', 'It is 42.')),
    );
    const { outcome, events, sessionId } = await h.run({ question: 'Ask a helper for 6*7', key: 'nested' });

    expect(outcome).toEqual({ status: 'finished', content: 'It is 42.' });
    const observation = events.find((e) => e.type === 'observation');
    const childId = (observation?.data.output as { sessionId: string }).sessionId;
    expect(observation?.data).toEqual({ tool: 'ask_agent', output: { answer: '42', sessionId: childId }, step: 1 });
    // The helper asked the model its own question, as a fresh conversation.
    expect(messagesOf(h.upstream.callsFor('nested')[1].body).at(-1)).toEqual({ role: 'user', content: 'What is 6 * 7?' });

    const child = await replaySession(h.store, childId);
    expect(child?.status).toBe('finished');
    expect(child?.events.map((e) => e.type)).toEqual(['session', 'thought', 'action', 'observation', 'thought', 'answer']);
    const [started] = await h.store.readStream(reactStream(childId));
    expect(started.data).toMatchObject({ depth: 1, parentId: sessionId });
    // The helper's steps are published under its own id.
    expect(h.published(childId).map((m) => m.subject.split('.').at(-1))).toEqual(['thought', 'action', 'observation', 'thought', 'answer']);
  });

  it('refuses ask_agent past the depth limit with an observation', async () => {
    h.upstream.script(
      'deep',
      reply.chat(textAction('Delegate.', 'ask_agent', { question: 'Delegate again?' })),
      reply.chat(textAction('Delegate further.', 'ask_agent', { question: 'And again?' })),
      reply.chat(textAnswer('Cannot go deeper.', 'no')),
      reply.chat(textAnswer('Fine.', 'done')),
    );
    const { outcome, events } = await h.run({ question: 'go deep', key: 'deep', maxDepth: 1 });

    expect(outcome).toEqual({ status: 'finished', content: 'done' });
    const childId = (events.find((e) => e.type === 'observation')?.data.output as { sessionId: string }).sessionId;
    const child = await replaySession(h.store, childId);
    expect(child?.events.find((e) => e.type === 'observation')?.data).toEqual({
      tool: 'ask_agent',
      error: 'agent depth limit of 1 reached',
      step: 1,
    });
  });

  it('gives a helper agent what is left of the step, so its timeout is an observation the parent recovers from', async () => {
    h.upstream.script(
      'helper-slow',
      reply.chat(textAction('Delegate.', 'ask_agent', { question: 'Slow sub-question?' })),
      reply.hang(),
      reply.chat(textAnswer('The helper gave up; I answer myself.', 'unknown')),
    );
    const { outcome, events } = await h.run({ question: 'delegate something slow', key: 'helper-slow', stepTimeoutMs: 800 });

    expect(outcome).toEqual({ status: 'finished', content: 'unknown' });
    const observation = events.find((e) => e.type === 'observation')?.data;
    expect(observation).toEqual({
      tool: 'ask_agent',
      error: expect.stringMatching(/^helper agent \S+ failed: session timed out after \d+ ms$/),
      step: 1,
    });
    const childId = /^helper agent (\S+) failed/.exec(observation?.error as string)?.[1] as string;
    await expect(replaySession(h.store, childId)).resolves.toMatchObject({ status: 'failed' });
  });

  it('stops a helper agent with its parent, and the helper says why', async () => {
    h.upstream.script('helper-gone', reply.chat(textAction('Delegate.', 'ask_agent', { question: 'Sub-question?' })), reply.hang());
    const client = new AbortController();
    const childId = `child-${Math.random().toString(36).slice(2, 10)}`;
    const running = h.run({ question: 'delegate, then leave', key: 'helper-gone' }, { signal: client.signal, newId: () => childId });
    await waitForCalls(h, 'helper-gone', 2);
    client.abort();
    const { outcome, sessionId } = await running;

    expect(outcome).toEqual({ status: 'failed', message: 'client disconnected' });
    const child = await replaySession(h.store, childId);
    expect(child?.status).toBe('failed');
    expect(child?.events.at(-1)).toEqual({
      type: 'error',
      data: { message: `parent session ${sessionId} stopped: client disconnected`, step: 1 },
    });
  });

  it('stops at once when the client disconnects: no more model or tool calls', async () => {
    h.upstream.script('gone', reply.chat(textAction('Think.', 'calculator', { expression: '1 + 1' })), reply.hang());
    h.upstream.always('gone', reply.chat(textAnswer('late', 'late')));
    const client = new AbortController();
    const running = h.run({ question: 'bye', key: 'gone' }, { signal: client.signal });
    const [, hanging] = await waitForCalls(h, 'gone', 2);
    client.abort();
    const { outcome, events, sessionId } = await running;

    expect(outcome).toEqual({ status: 'failed', message: 'client disconnected' });
    expect(events.at(-1)).toEqual({ type: 'error', data: { message: 'client disconnected', step: 2 } });
    await h.upstream.waitForClientClose(hanging);
    // A call the stopped session still made would reach the upstream before a later session's own
    // answer is back: one runs to its end first, the marker that the engine has moved on.
    h.upstream.script('after-gone', reply.chat(textAnswer('Marker.', 'ok')));
    await expect(h.run({ question: 'marker', key: 'after-gone' })).resolves.toMatchObject({ outcome: { status: 'finished' } });
    expect(h.upstream.callsFor('gone')).toHaveLength(2);
    await expect(replaySession(h.store, sessionId)).resolves.toMatchObject({ status: 'failed', events });
  });

  it('ends a step that takes too long with an error', async () => {
    h.upstream.script('slow', reply.hang());
    const { outcome, events } = await h.run({ question: 'slow', key: 'slow', stepTimeoutMs: 400 });
    expect(outcome).toEqual({ status: 'failed', message: 'step 1 timed out after 400 ms' });
    expect(events.at(-1)?.type).toBe('error');
  });

  it('ends a session past its total deadline with an error', async () => {
    h.upstream.script('long', reply.chat(textAction('One.', 'calculator', { expression: '1' })), reply.hang());
    const { outcome } = await h.run({ question: 'long', key: 'long', totalTimeoutMs: 600 });
    expect(outcome).toEqual({ status: 'failed', message: 'session timed out after 600 ms' });
  });

  it('parses the deepseek pattern: the think block is the thought', async () => {
    h.upstream.script(
      'deepseek',
      reply.chat('<think>\nI should use the calculator.\n</think>\nAction: calculator\nAction Input: {"expression": "3 * 3"}'),
      reply.chat('<think>It is 9.</think>\n\nFinal Answer: 9'),
    );
    const { events } = await h.run({ question: '3*3', key: 'deepseek', pattern: 'deepseek_react' });
    expect(events.slice(1).map((e) => [e.type, e.data])).toEqual([
      ['thought', { text: 'I should use the calculator.', step: 1 }],
      ['action', { tool: 'calculator', input: { expression: '3 * 3' }, step: 1 }],
      ['observation', { tool: 'calculator', output: 9, step: 1 }],
      ['thought', { text: 'It is 9.', step: 2 }],
      ['answer', { content: '9', step: 2 }],
    ]);
  });
});

async function waitForCalls(h: ReactHarness, key: string, count: number) {
  await waitFor(`${count} calls of ${key}`, () => h.upstream.callsFor(key).length >= count, 10_000);
  return h.upstream.callsFor(key);
}
