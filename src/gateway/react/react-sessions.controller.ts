import { Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RecentSessionsProjection, type ChatMessage } from '@switchboard/react';
import { endSse, startSse, writeSseEvent } from '../http/sse';
import { ApiError } from '../http/openai-error';
import { sendError } from '../v1/respond';
import { clientGoneSignal } from '../http/client-gone';
import { ClientLimiter } from '../limits/client-limiter';
import { admitClient, type Refusal } from '../v1/admit-client';
import { GatewayRouter } from '../v1/gateway-router';
import { validateChat } from '../v1/validate';
import { CHAT_REQUEST_SCHEMA } from '../v1/schemas/chat.schema';
import { requestBody } from '../v1/v1.dto';
import { ReactSessionDto, SessionListDto } from './react.dto';
import { inServerSpan } from '../tracing/server-span';
import { ReactSessions, type Agent } from './react-sessions';
import { SessionMeter } from './session-meter';

const ENDPOINT = '/v1/react/sessions';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 500;

function parseLimit(limit: string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_LIMIT;
  const n = Number(limit);
  if (!/^\d+$/.test(limit) || n < 1 || n > MAX_LIMIT) {
    throw new ApiError(400, `'limit' must be a whole number from 1 to ${MAX_LIMIT}.`, { param: 'limit', code: 'invalid_limit' });
  }
  return n;
}

/**
 * `/v1/react/sessions`: start an agent session and watch its steps as server-sent events, or
 * read a session back from its stream. The client's keys (`/v1`) apply.
 */
@ApiTags('react')
@ApiBearerAuth()
@Controller('v1/react/sessions')
export class ReactSessionsController {
  private readonly logger = new Logger('ReactSessions');

  constructor(
    private readonly sessions: ReactSessions,
    private readonly recent: RecentSessionsProjection,
    private readonly router: GatewayRouter,
    private readonly limiter: ClientLimiter,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Run an agent alias as a ReAct session, streamed as server-sent events',
    description:
      'Events, each `data` a JSON object with `step`: `session` `{id}` first, then `thought` `{text}`, `action` `{tool, input}`, ' +
      '`observation` `{tool, output}` or `{tool, error}`, and last `answer` `{content}` or `error` `{message}`.',
  })
  @ApiBody(
    requestBody(
      CHAT_REQUEST_SCHEMA,
      'A chat body (checked as /v1/chat/completions checks it) whose model is an agent alias (`reasoning_mode: react`); the last user message is the question.',
    ),
  )
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The session, one event per step.' })
  @ApiBadRequestResponse({ description: 'An invalid body, or a model alias that is not an agent.' })
  @ApiNotFoundResponse({ description: 'Unknown model alias.' })
  @ApiResponse({ status: 403, description: "An agent outside the client key's models (`model_not_allowed`)." })
  @ApiResponse({
    status: 429,
    description: "The client's own limits (rpm, tpm, max_parallel: `rate_limit_exceeded`; budget: `insufficient_quota`), with Retry-After.",
  })
  start(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Traced: the session's steps, tool calls and appends are children of this span, in the client's trace.
    return inServerSpan(req, '/v1/react/sessions', {}, () => this.run(req, reply));
  }

  /**
   * A session is a /v1 request like a chat completion: the client's limits admit it (models,
   * rpm, max_parallel, budget), and it ends in one record (every model call's attempts, the
   * tokens summed) that charges tpm and budget, feeds usage, the request log and analytics.
   */
  private async run(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const startedAt = performance.now();
    const client = req.client?.name ?? null;
    const refuse = ({ status, message, fields }: Omit<Refusal, 'refused'>, alias: string | null = null) => {
      void sendError(reply, status, message, fields);
      this.router.refused(ENDPOINT, status, reply, startedAt, client, alias);
    };
    const agent = this.agentFor(req.body);
    if ('refused' in agent) return refuse(agent, agent.alias);
    const admitted = admitClient(this.limiter, req.client, agent.name, reply);
    const ticket = admitted instanceof Promise ? await admitted : admitted;
    if ('refused' in ticket) return refuse(ticket, agent.name);
    const requestId = String(reply.getHeader('x-request-id') ?? '');
    const meter = new SessionMeter({ requestId, client, endpoint: ENDPOINT, alias: agent.name, stream: true, startedAt });
    const signal = clientGoneSignal(reply);
    try {
      const raw = startSse(reply);
      const session = this.sessions.start({
        agent,
        messages: (req.body as { messages: ChatMessage[] }).messages,
        onEvent: (event) => {
          if (event.type !== 'session') meter.firstOutput();
          writeSseEvent(raw, event.data, event.type);
        },
        signal,
        meter,
      });
      try {
        await session.outcome;
      } catch (error) {
        // Recorded as an `error` event already when the store still took it; the stream just ends.
        this.logger.error(`session ${session.id} broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      endSse(raw, { done: false });
    } finally {
      this.limiter.release(ticket);
      // A failed session still answered 200 (its `error` event says why); 499 when the client left first.
      this.router.finished(meter.record(signal.aborted ? 499 : 200));
    }
  }

  @Get()
  @ApiOperation({
    summary: 'The most recently started sessions, newest first (the last 500 are remembered; older ones still replay by id)',
  })
  @ApiQuery({ name: 'limit', required: false, description: `How many, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).` })
  @ApiOkResponse({ type: SessionListDto })
  @ApiBadRequestResponse({ description: 'A limit that is not a whole number in range.' })
  list(@Query('limit') limit?: string): SessionListDto {
    return { sessions: this.recent.list(parseLimit(limit)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A session read back from its `react-<id>` stream: the events as they were streamed, `session` first' })
  @ApiParam({ name: 'id', description: 'The id of the `session` event.' })
  @ApiOkResponse({ type: ReactSessionDto })
  @ApiNotFoundResponse({ description: 'No session with this id.' })
  async replay(@Param('id') id: string): Promise<ReactSessionDto> {
    const session = await this.sessions.replay(id);
    if (!session) throw new ApiError(404, `No ReAct session with id '${id}'.`, { param: 'id', code: 'session_not_found' });
    return session;
  }

  /** The agent the body asks for, or why there is none (with the alias when the body named one). */
  private agentFor(body: unknown): Agent | (Refusal & { alias: string | null }) {
    const invalid = validateChat(body);
    if (invalid) return { refused: true, status: 400, message: invalid.message, fields: { param: invalid.param }, alias: null };
    const model = (body as { model: string }).model;
    const agent = this.sessions.agent(model);
    if (agent) return agent;
    if (this.sessions.isAlias(model)) {
      const message = `'${model}' is not an agent: only aliases with reasoning_mode: react run ReAct sessions.`;
      return { refused: true, status: 400, message, fields: { param: 'model', code: 'not_an_agent' }, alias: model };
    }
    const message = `The model '${model}' does not exist or you do not have access to it.`;
    return { refused: true, status: 404, message, fields: { param: 'model', code: 'model_not_found' }, alias: null };
  }
}
