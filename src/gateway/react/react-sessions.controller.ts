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
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RecentSessionsProjection, type ChatMessage } from '@switchboard/react';
import { endSse, startSse, writeSseEvent } from '../http/sse';
import { ApiError } from '../http/openai-error';
import { sendError } from '../v1/respond';
import { clientGoneSignal } from '../http/client-gone';
import { validateChat } from '../v1/validate';
import { CHAT_REQUEST_SCHEMA } from '../v1/schemas/chat.schema';
import { requestBody } from '../v1/v1.dto';
import { ReactSessionDto, SessionListDto } from './react.dto';
import { inServerSpan } from '../tracing/server-span';
import { ReactSessions, type Agent } from './react-sessions';

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
  start(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Traced: the session's steps, tool calls and appends are children of this span, in the client's trace.
    return inServerSpan(req, '/v1/react/sessions', {}, () => this.run(req, reply));
  }

  private async run(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const agent = this.agentFor(req.body, reply);
    if (!agent) return;
    const signal = clientGoneSignal(reply);
    const raw = startSse(reply);
    const session = this.sessions.start({
      agent,
      messages: (req.body as { messages: ChatMessage[] }).messages,
      onEvent: (event) => writeSseEvent(raw, event.data, event.type),
      signal,
    });
    try {
      await session.outcome;
    } catch (error) {
      // Recorded as an `error` event already when the store still took it; the stream just ends.
      this.logger.error(`session ${session.id} broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    endSse(raw, { done: false });
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

  /** The agent the body asks for, or `undefined` once the error is sent. */
  private agentFor(body: unknown, reply: FastifyReply): Agent | undefined {
    const invalid = validateChat(body);
    if (invalid) {
      void sendError(reply, 400, invalid.message, { param: invalid.param });
      return undefined;
    }
    const model = (body as { model: string }).model;
    const agent = this.sessions.agent(model);
    if (agent) return agent;
    if (this.sessions.isAlias(model)) {
      void sendError(reply, 400, `'${model}' is not an agent: only aliases with reasoning_mode: react run ReAct sessions.`, {
        param: 'model',
        code: 'not_an_agent',
      });
    } else {
      void sendError(reply, 404, `The model '${model}' does not exist or you do not have access to it.`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    return undefined;
  }
}
