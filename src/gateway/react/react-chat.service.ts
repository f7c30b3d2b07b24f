import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ChatMessage, SessionOutcome } from '@switchboard/react';
import { endSse, startSse, writeSseEvent } from '../http/sse';
import { openAiError } from '../http/openai-error';
import { GatewayRouter } from '../v1/gateway-router';
import { ReactChat, type AgentRequestOrigin } from '../v1/react-bridge';
import { sendError } from '../v1/respond';
import { clientGoneSignal } from '../http/client-gone';
import { ReactSessions } from './react-sessions';
import { inServerSpan } from '../tracing/server-span';
import { SessionMeter } from './session-meter';

/**
 * `/v1/chat/completions` for an agent alias: the session runs to its end and its answer is the
 * completion (or, with `stream: true`, its chunks). The steps are not in the answer; the
 * `x-switchboard-session` header names the session, so `GET /v1/react/sessions/{id}` shows them.
 *
 * A failed session is answered 422 rather than 5xx: the request was heard and the agent tried,
 * and OpenAI SDKs retry 5xx on their own, which would rerun the whole agent.
 */
@Injectable()
export class ReactChatService extends ReactChat {
  constructor(
    private readonly sessions: ReactSessions,
    private readonly router: GatewayRouter,
  ) {
    super();
  }

  complete(alias: string, body: Record<string, unknown>, reply: FastifyReply, origin: AgentRequestOrigin): Promise<void> {
    // Traced: the agent's session is in the client's trace, under this request's span.
    return inServerSpan(reply.request, '/v1/chat/completions', { 'switchboard.alias': alias }, () =>
      this.metered(alias, body, reply, origin),
    );
  }

  /** Answers, then hands the request's record (the session's model calls summed) to the observers. */
  private async metered(alias: string, body: Record<string, unknown>, reply: FastifyReply, origin: AgentRequestOrigin): Promise<void> {
    const requestId = String(reply.getHeader('x-request-id') ?? '');
    const meter = new SessionMeter({ requestId, endpoint: '/v1/chat/completions', alias, stream: body.stream === true, ...origin });
    const signal = clientGoneSignal(reply);
    let status = 500;
    try {
      status = await this.answer(alias, body, reply, signal, meter);
    } finally {
      this.router.finished(meter.record(signal.aborted ? 499 : status));
    }
  }

  /** Runs the session and writes its answer; the status the client got. */
  private async answer(
    alias: string,
    body: Record<string, unknown>,
    reply: FastifyReply,
    signal: AbortSignal,
    meter: SessionMeter,
  ): Promise<number> {
    const agent = this.sessions.agent(alias);
    if (!agent) throw new Error(`${alias} is not an agent`);
    const id = randomUUID();
    const completion = { id: `chatcmpl-${id.replace(/-/g, '')}`, created: Math.floor(Date.now() / 1000), model: alias };
    reply.header('x-switchboard-session', id);
    const messages = body.messages as ChatMessage[];

    if (body.stream !== true) {
      const outcome = await this.sessions.start({ id, agent, messages, signal, meter, onEvent: () => undefined }).outcome;
      if (signal.aborted) {
        if (!reply.raw.destroyed) reply.raw.destroy();
        return 499;
      }
      if (outcome.status === 'failed') {
        void sendError(reply, 422, failure(alias, id, outcome), failureFields);
        return 422;
      }
      void reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send({
          ...completion,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: outcome.content }, finish_reason: 'stop', logprobs: null }],
        });
      return 200;
    }

    // The role chunk goes out at once, so the client knows the agent has started.
    const raw = startSse(reply);
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      ...completion,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    writeSseEvent(raw, chunk({ role: 'assistant', content: '' }, null));
    const outcome = await this.sessions.start({ id, agent, messages, signal, meter, onEvent: () => undefined }).outcome;
    // A started stream is a 200, as a routed stream that fails midway is.
    if (signal.aborted) return 499;
    if (outcome.status === 'failed') {
      // Like an interrupted upstream stream: an error event and no `[DONE]`.
      writeSseEvent(raw, openAiError(422, failure(alias, id, outcome), failureFields));
      endSse(raw, { done: false });
      return 200;
    }
    meter.firstOutput();
    writeSseEvent(raw, chunk({ content: outcome.content }, null));
    writeSseEvent(raw, chunk({}, 'stop'));
    endSse(raw);
    return 200;
  }
}

const failureFields = { type: 'agent_error', code: 'react_session_failed' };

function failure(alias: string, id: string, outcome: Extract<SessionOutcome, { status: 'failed' }>): string {
  return `The agent '${alias}' did not answer: ${outcome.message} (session ${id}).`;
}
