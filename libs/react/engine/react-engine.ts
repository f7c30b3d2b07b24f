import { randomUUID } from 'node:crypto';
import { reactStream } from '@switchboard/domain';
import type { EventStore, ExpectedRevision } from '@switchboard/event-store';
import type { Pattern } from '../patterns/pattern';
import { renderSystemPrompt } from '../patterns/pattern';
import { ownPart, parseStep, withoutThinking } from '../patterns/step-parser';
import type {
  ChatMessage,
  ModelClient,
  ModelReply,
  StepPublisher,
  ToolBus,
  ToolCall,
  ToolDefinition,
  ToolDescriptor,
  ToolResult,
} from '../ports';
import type { ReactCommand } from '../session/react.commands';
import { decide, evolve, initialState, type ReactSessionState } from '../session/react.decider';
import type { ReactEvent } from '../session/react.events';
import { toStepEvent, type StepEvent } from '../session/step-events';
import { ASK_AGENT, askAgentDescriptor } from '../tools/ask-agent';
import { messageOf, SessionStop, stopMessage, untilAborted } from '../abort';
import { inSpan, SpanKind, SpanStatusCode } from '@switchboard/telemetry';

export interface ReactRunInput {
  sessionId: string;
  alias: string;
  /** Pattern name, looked up in `deps.patterns`. */
  pattern: string;
  messages: ChatMessage[];
  /** Tools the agent may use; every tool of the bus (and `ask_agent`) when omitted. */
  tools?: string[];
  maxSteps: number;
  stepTimeoutMs: number;
  totalTimeoutMs: number;
  /** 0 for a session a client started; a nested `ask_agent` session is one deeper. */
  depth: number;
  /** `react.max_depth`: `ask_agent` is refused at this depth (default 2). */
  maxDepth?: number;
  /** Deadline of one tool call (default: the step timeout). */
  toolTimeoutMs?: number;
  parentId?: string;
}

export interface ReactDeps {
  model: ModelClient;
  tools: ToolBus;
  store: EventStore;
  publish: StepPublisher;
  now: () => Date;
  patterns: { get(name: string): Pattern | undefined };
  /** Ids of nested sessions (random UUIDs by default). */
  newId?: () => string;
}

export type SessionOutcome = { status: 'finished'; content: string } | { status: 'failed'; message: string };

export type OnStepEvent = (event: StepEvent) => void;

/** Why a step stopped early; the message is what the client reads in the `error` event. */
class Stopped extends Error {}

/**
 * Runs one ReAct session to its end: each model turn is one step (thought, then an action and
 * its observation, or the answer). Every fact is appended to `react-<id>` before it is emitted
 * and published, so a replay of the stream equals what the client saw. The outcome is also
 * returned (the chat-completions path and `ask_agent` need the answer).
 *
 * `signal` is the outside world: the client disconnecting (any abort), or a `SessionStop` reason
 * (a parent session stopping, the gateway shutting down), which becomes the error's message.
 */
export function runReactSession(input: ReactRunInput, deps: ReactDeps, onEvent: OnStepEvent, signal: AbortSignal): Promise<SessionOutcome> {
  const attributes = {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': input.alias,
    'switchboard.react.session_id': input.sessionId,
    'switchboard.react.pattern': input.pattern,
    'switchboard.react.depth': input.depth,
  };
  return inSpan(`invoke_agent ${input.alias}`, { attributes }, async (span) => {
    const outcome = await runSession(input, deps, onEvent, signal);
    if (outcome.status === 'failed') span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
    return outcome;
  });
}

async function runSession(input: ReactRunInput, deps: ReactDeps, onEvent: OnStepEvent, signal: AbortSignal): Promise<SessionOutcome> {
  const session = new SessionRecorder(input.sessionId, deps, onEvent);
  const total = AbortSignal.timeout(input.totalTimeoutMs);
  const sessionSignal = AbortSignal.any([signal, total]);
  let step = 0;
  const stopReason = (stepSignal?: AbortSignal): string => {
    if (signal.aborted) return stopMessage(signal);
    if (total.aborted) return `session timed out after ${input.totalTimeoutMs} ms`;
    if (stepSignal?.aborted) return `step ${step} timed out after ${input.stepTimeoutMs} ms`;
    return 'stopped';
  };

  await session.record({
    type: 'StartSession',
    data: {
      sessionId: input.sessionId,
      alias: input.alias,
      pattern: input.pattern,
      depth: input.depth,
      parentId: input.parentId,
      now: deps.now(),
    },
  });
  try {
    const pattern = deps.patterns.get(input.pattern);
    if (!pattern) return await session.fail(0, `unknown pattern '${input.pattern}'`);
    const tools = await offeredTools(deps.tools, input.tools, sessionSignal).catch((error: unknown) => {
      throw new Stopped(sessionSignal.aborted ? stopReason() : `tools unavailable: ${messageOf(error)}`);
    });
    const messages = openingMessages(pattern, tools, input.messages);
    const definitions = tools.map(toDefinition);
    // Set once the model has called a tool natively: from then on the conversation is in the
    // native format, where a reply without tool calls is the answer. Until then a reply that
    // is not a valid text step is fed back, so a model without native tools can correct itself.
    let native = false;

    /** One model turn and what it asks for; the answer when the turn ends the session. */
    const runStep = async (step: number): Promise<string | undefined> => {
      const stepDeadline = Date.now() + input.stepTimeoutMs;
      const stepSignal = AbortSignal.any([sessionSignal, AbortSignal.timeout(input.stepTimeoutMs)]);
      const guard = <T>(work: Promise<T>): Promise<T> =>
        untilAborted(work, stepSignal).catch((error: unknown) => {
          throw stepSignal.aborted ? new Stopped(stopReason(stepSignal)) : error;
        });

      const reply = await guard(
        inSpan(`chat ${input.alias}`, { kind: SpanKind.CLIENT, attributes: modelCallAttributes(input.alias) }, () =>
          deps.model.chat({
            alias: input.alias,
            messages,
            tools: definitions.length ? definitions : undefined,
            stop: pattern.stop,
            signal: stepSignal,
          }),
        ),
      ).catch((error: unknown) => {
        throw error instanceof Stopped ? error : new Stopped(`model call failed: ${messageOf(error)}`);
      });
      const ctx: CallContext = { input, deps, tools, step, stepSignal, stepDeadline, sessionSignal, stopReason };
      // A helper agent bounds itself to what is left of this step (see askAgent), so it is not
      // cut off by the step's timer, only by the session stopping.
      const call: CallTool = (name, toolInput) => (name === ASK_AGENT ? askAgent(toolInput, ctx) : guard(callTool(name, toolInput, ctx)));

      if (reply.message.tool_calls?.length) {
        native = true;
        await nativeStep(reply, step, session, messages, call);
        return undefined;
      }
      return textStep(pattern, reply, native, step, session, messages, call);
    };

    for (step = 1; step <= input.maxSteps; step++) {
      if (sessionSignal.aborted) return await session.fail(step - 1, stopReason());
      const answer = await inSpan(`react step ${step}`, { attributes: { 'switchboard.react.step': step } }, () => runStep(step));
      if (answer !== undefined) return { status: 'finished', content: answer };
    }
    return await session.fail(input.maxSteps, `step limit of ${input.maxSteps} reached`);
  } catch (error) {
    if (error instanceof Stopped) return await session.fail(Math.max(step, 0), error.message);
    await session.fail(Math.max(step, 0), 'internal error').catch(() => undefined);
    throw error;
  }
}

type CallTool = (name: string, input: unknown) => Promise<ToolResult>;

function modelCallAttributes(alias: string): Record<string, string> {
  return { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': alias };
}

/** A turn with native `tool_calls`: its text is the thought, each call an action and an observation. */
async function nativeStep(
  reply: ModelReply,
  step: number,
  session: SessionRecorder,
  messages: ChatMessage[],
  call: CallTool,
): Promise<void> {
  const content = reply.message.content?.trim();
  if (content) await session.record({ type: 'RecordThought', data: { step, text: content } });
  const toolCalls = reply.message.tool_calls as ToolCall[];
  messages.push({ role: 'assistant', content: reply.message.content ?? null, tool_calls: toolCalls });
  for (const toolCall of toolCalls) {
    const name = toolCall.function.name;
    const parsed = parseArguments(toolCall.function.arguments);
    await session.record({
      type: 'RequestAction',
      data: { step, tool: name, input: parsed.ok ? parsed.value : toolCall.function.arguments },
    });
    const result = parsed.ok ? await call(name, parsed.value) : { error: `arguments of ${name} are not valid JSON` };
    await session.record({ type: 'RecordObservation', data: { step, tool: name, ...result } });
    messages.push({ role: 'tool', tool_call_id: toolCall.id, content: observationText(result) });
  }
}

/**
 * A turn in the pattern's text format. Returns the answer when the turn ends the session. In a
 * native conversation (`native`), plain text that is not a text step is the model's answer.
 */
async function textStep(
  pattern: Pattern,
  reply: ModelReply,
  native: boolean,
  step: number,
  session: SessionRecorder,
  messages: ChatMessage[],
  call: CallTool,
): Promise<string | undefined> {
  const text = reply.message.content ?? '';
  let parsed = parseStep(pattern, text);
  if (parsed.kind === 'invalid' && native && withoutThinking(text) !== '') {
    parsed = { kind: 'answer', thought: undefined, content: withoutThinking(text) };
  }
  if (parsed.thought) await session.record({ type: 'RecordThought', data: { step, text: parsed.thought } });
  if (parsed.kind === 'answer') {
    await session.record({ type: 'ProduceAnswer', data: { step, content: parsed.content } });
    return parsed.content;
  }
  messages.push({ role: 'assistant', content: ownPart(pattern, text) });
  let result: ToolResult;
  if (parsed.kind === 'invalid') {
    result = { error: `invalid step: ${parsed.reason}` };
    await session.record({ type: 'RecordObservation', data: { step, tool: null, ...result } });
  } else {
    await session.record({ type: 'RequestAction', data: { step, tool: parsed.tool, input: parsed.input } });
    result = await call(parsed.tool, parsed.input);
    await session.record({ type: 'RecordObservation', data: { step, tool: parsed.tool, ...result } });
  }
  messages.push({ role: 'user', content: `${pattern.markers.observation} ${observationText(result)}` });
  return undefined;
}

interface CallContext {
  input: ReactRunInput;
  deps: ReactDeps;
  tools: ToolDescriptor[];
  step: number;
  stepSignal: AbortSignal;
  /** `Date.now()` at which the step's time runs out. */
  stepDeadline: number;
  sessionSignal: AbortSignal;
  stopReason: () => string;
}

async function callTool(name: string, rawInput: unknown, ctx: CallContext): Promise<ToolResult> {
  const checked = checkedInput(name, rawInput, ctx.tools);
  if ('error' in checked) return checked;
  const attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name };
  return inSpan(`execute_tool ${name}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const result = await ctx.deps.tools.call(name, checked.value, {
      timeoutMs: ctx.input.toolTimeoutMs ?? ctx.input.stepTimeoutMs,
      signal: ctx.stepSignal,
      depth: ctx.input.depth,
      sessionId: ctx.input.sessionId,
    });
    if ('error' in result) span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
    return result;
  });
}

function checkedInput(name: string, rawInput: unknown, tools: ToolDescriptor[]): { value: unknown } | { error: string } {
  const tool = tools.find((t) => t.name === name);
  if (!tool) return { error: `unknown tool '${name}' (available: ${tools.map((t) => t.name).join(', ') || 'none'})` };
  return coerceInput(tool, rawInput);
}

/**
 * `ask_agent` runs here, not on the tool server: a nested session on the same model, one level
 * deeper. The helper gets its own deadline, what is left of the parent's step, so running out
 * of time fails the helper (an observation the parent can act on) rather than the parent. It
 * stops with the parent, and says so.
 */
async function askAgent(rawInput: unknown, ctx: CallContext): Promise<ToolResult> {
  const checked = checkedInput(ASK_AGENT, rawInput, ctx.tools);
  if ('error' in checked) return checked;
  const maxDepth = ctx.input.maxDepth ?? 2;
  if (ctx.input.depth >= maxDepth) return { error: `agent depth limit of ${maxDepth} reached` };
  const question = (checked.value as { question?: unknown }).question;
  if (typeof question !== 'string' || question.trim() === '') return { error: 'ask_agent needs a non-empty "question"' };
  const childId = (ctx.deps.newId ?? randomUUID)();
  const parentStopped = new AbortController();
  const stopChild = () => parentStopped.abort(new SessionStop(`parent session ${ctx.input.sessionId} stopped: ${ctx.stopReason()}`));
  if (ctx.sessionSignal.aborted) stopChild();
  else ctx.sessionSignal.addEventListener('abort', stopChild, { once: true });
  try {
    const outcome = await runReactSession(
      {
        ...ctx.input,
        sessionId: childId,
        parentId: ctx.input.sessionId,
        depth: ctx.input.depth + 1,
        messages: [{ role: 'user', content: question }],
        totalTimeoutMs: Math.max(1, Math.min(ctx.input.totalTimeoutMs, ctx.stepDeadline - Date.now())),
      },
      ctx.deps,
      () => undefined,
      parentStopped.signal,
    );
    if (ctx.sessionSignal.aborted) throw new Stopped(ctx.stopReason());
    return outcome.status === 'finished'
      ? { output: { answer: outcome.content, sessionId: childId } }
      : { error: `helper agent ${childId} failed: ${outcome.message}` };
  } finally {
    ctx.sessionSignal.removeEventListener('abort', stopChild);
  }
}

/** A text-protocol model often writes a bare value for a one-string tool: wrap it instead of failing. */
function coerceInput(tool: ToolDescriptor, input: unknown): { value: unknown } | { error: string } {
  if (typeof input !== 'string') return { value: input };
  const required = (tool.parameters.required as string[] | undefined) ?? [];
  const properties = (tool.parameters.properties ?? {}) as Record<string, { type?: string }>;
  if (required.length === 1 && properties[required[0]]?.type === 'string') return { value: { [required[0]]: input } };
  return { error: `the input of ${tool.name} must be a JSON object matching its schema` };
}

async function offeredTools(bus: ToolBus, allowed: string[] | undefined, signal: AbortSignal): Promise<ToolDescriptor[]> {
  const listed = [...(await untilAborted(bus.list(), signal)), askAgentDescriptor];
  return allowed ? listed.filter((t) => allowed.includes(t.name)) : listed;
}

function openingMessages(pattern: Pattern, tools: ToolDescriptor[], messages: ChatMessage[]): ChatMessage[] {
  const question = lastUserText(messages);
  const system = renderSystemPrompt(pattern, {
    tools: tools.map((t) => `- ${t.name}: ${t.description}\n  input schema: ${JSON.stringify(t.parameters)}`).join('\n') || '(no tools)',
    toolNames: tools.map((t) => t.name).join(', '),
    question,
  });
  return [{ role: 'system', content: system }, ...messages];
}

function lastUserText(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last || last.content === null) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('\n');
}

function toDefinition(tool: ToolDescriptor): ToolDefinition {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

function observationText(result: ToolResult): string {
  if ('error' in result) return `error: ${result.error}`;
  return typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
}

function parseArguments(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: text.trim() === '' ? {} : (JSON.parse(text) as unknown) };
  } catch {
    return { ok: false };
  }
}

/** Appends each fact to `react-<id>` with the expected revision, then emits and publishes it. */
class SessionRecorder {
  private state: ReactSessionState = initialState();
  private revision: ExpectedRevision = 'no_stream';

  constructor(
    private readonly sessionId: string,
    private readonly deps: ReactDeps,
    private readonly onEvent: OnStepEvent,
  ) {}

  async record(command: ReactCommand): Promise<void> {
    const events = decide(command, this.state);
    if (events.length === 0) return;
    const result = await this.deps.store.append(reactStream(this.sessionId), events, this.revision);
    this.revision = result.nextRevision;
    for (const event of events as ReactEvent[]) {
      this.state = evolve(this.state, event);
      const step = toStepEvent(event);
      try {
        this.onEvent(step);
      } catch {
        // A client that went away must not stop the recording; the abort signal ends the session.
      }
      if (step.type !== 'session') this.deps.publish.publish(this.sessionId, step.type, step.data);
    }
  }

  async fail(step: number, message: string): Promise<SessionOutcome> {
    await this.record({ type: 'FailSession', data: { step, message } });
    return { status: 'failed', message };
  }
}
