import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { GatewayConfig, ModelAlias } from '@switchboard/config';
import type { EventStore } from '@switchboard/event-store';
import {
  PatternRegistry,
  replaySession,
  runReactSession,
  SessionStop,
  type ChatMessage,
  type OnStepEvent,
  type ModelRequest,
  type ReactDeps,
  type SessionOutcome,
  type SessionReplay,
  type StepPublisher,
  type ToolBus,
} from '@switchboard/react';
import { EVENT_STORE, GATEWAY_CONFIG, MODEL_CLIENT, STEP_PUBLISHER, TOOL_BUS } from '../tokens';
import type { MeteredModelClient, ModelCallMeter } from '../v1/routed-model-client';

/** An alias with `reasoning_mode: react`. */
export type Agent = ModelAlias & { reasoningMode: 'react'; pattern: string };

export interface SessionRequest {
  agent: Agent;
  messages: ChatMessage[];
  /** Called with each step as it is recorded (`session` first). */
  onEvent: OnStepEvent;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** The session's id, when the caller must name it before the first event (a response header). */
  id?: string;
  /** Told about each model call of the session (its nested sessions' too): the client's request's record. */
  meter?: ModelCallMeter;
}

export interface StartedSession {
  id: string;
  /** Settles when the session has answered or failed (never rejects for a model's or tool's failure). */
  outcome: Promise<SessionOutcome>;
}

/**
 * Runs ReAct sessions for agent aliases: limits from the alias and `react:`, model calls through
 * the gateway's own router, tools over the configured bus, every step recorded in `react-<id>`.
 * Sessions still running at shutdown are stopped (and recorded as such) before the store closes.
 */
@Injectable()
export class ReactSessions implements BeforeApplicationShutdown {
  private readonly deps: ReactDeps;
  private readonly running = new Map<string, { stop: AbortController; outcome: Promise<unknown> }>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MODEL_CLIENT) private readonly model: MeteredModelClient,
    @Inject(TOOL_BUS) tools: ToolBus,
    @Inject(STEP_PUBLISHER) publish: StepPublisher,
    patterns: PatternRegistry,
  ) {
    this.deps = { model, tools, store, publish, patterns, now: () => new Date() };
  }

  /** The agent an alias names; `undefined` for an unknown alias or a plain one. */
  agent(alias: string): Agent | undefined {
    const found = this.isAlias(alias) ? this.config.models[alias] : undefined;
    return found?.reasoningMode === 'react' && found.pattern ? (found as Agent) : undefined;
  }

  isAlias(name: string): boolean {
    return Object.hasOwn(this.config.models, name);
  }

  start({ agent, messages, onEvent, signal, id = randomUUID(), meter }: SessionRequest): StartedSession {
    const { react, tools } = this.config;
    const model = this.model;
    const deps = meter ? { ...this.deps, model: { chat: (req: ModelRequest) => model.chat(req, meter) } } : this.deps;
    const stop = new AbortController();
    const outcome = runReactSession(
      {
        sessionId: id,
        alias: agent.name,
        pattern: agent.pattern,
        messages,
        tools: agent.tools,
        maxSteps: agent.maxSteps ?? react.maxSteps,
        stepTimeoutMs: react.stepTimeoutMs,
        totalTimeoutMs: react.totalTimeoutMs,
        maxDepth: react.maxDepth,
        toolTimeoutMs: Math.min(tools.callTimeoutMs, react.stepTimeoutMs),
        depth: 0,
      },
      deps,
      onEvent,
      AbortSignal.any([signal, stop.signal]),
    );
    this.running.set(id, { stop, outcome });
    void outcome.then(
      () => this.running.delete(id),
      () => this.running.delete(id),
    );
    return { id, outcome };
  }

  replay(id: string): Promise<SessionReplay | undefined> {
    return replaySession(this.store, id);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const running = [...this.running.values()];
    for (const session of running) session.stop.abort(new SessionStop('the gateway is shutting down'));
    await Promise.allSettled(running.map((s) => s.outcome));
  }
}
