import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientGone } from '../http/client-gone';
import { startSse } from '../http/sse';
import { ClientLimiter } from '../limits/client-limiter';
import { activeTracer } from '@switchboard/telemetry';
import { RequestTrace } from '../routing/request-trace';
import { routeRequest } from '../routing/route-request';
import { relayStream } from '../routing/stream-relay';
import type { ResponseStore } from '@switchboard/response-store';
import { RESPONSE_STORE } from '../tokens';
import {
  CHAT,
  COMPLETIONS,
  EMBEDDINGS,
  type AnswerWriter,
  type Exchange,
  type FrontEnd,
  type OpenAiFrontEnd,
  type TranslatingFrontEnd,
} from './front-ends';
import { countTokensFrontEnd, messagesFrontEnd } from './messages-front-end';
import { responsesFrontEnd } from './responses-front-end';
import { GatewayRouter } from './gateway-router';
import { admitClient, type Refusal } from './admit-client';
import { ReactChat } from './react-bridge';
import { routingHeaders, sendError } from './respond';
import { CHAT_REQUEST_SCHEMA } from './schemas/chat.schema';
import { COMPLETIONS_REQUEST_SCHEMA, EMBEDDINGS_REQUEST_SCHEMA } from './schemas/completions.schema';
import { COUNT_TOKENS_REQUEST_SCHEMA, MESSAGES_REQUEST_SCHEMA } from './schemas/messages.schema';
import { RESPONSES_REQUEST_SCHEMA } from './schemas/responses.schema';
import { ModelListDto, requestBody, ROUTING_HEADERS } from './v1.dto';

/** The answers every routed POST documents: 200 (JSON, or an event stream), and the errors in the endpoint's format. */
function Routed(what: string): MethodDecorator {
  return (target, key, descriptor) => {
    HttpCode(200)(target, key, descriptor);
    ApiOkResponse({ description: `${what} (application/json), or text/event-stream when stream is true`, headers: ROUTING_HEADERS })(
      target,
      key,
      descriptor,
    );
    ApiResponse({ status: 400, description: 'Invalid body, or a field no profile of the chain can honour (param names it)' })(
      target,
      key,
      descriptor,
    );
    ApiResponse({ status: 401, description: 'Missing or wrong client key (Authorization: Bearer or x-api-key)' })(target, key, descriptor);
    ApiResponse({ status: 404, description: 'Unknown model alias' })(target, key, descriptor);
    ApiResponse({ status: 429, description: "The client's own limits (Retry-After)" })(target, key, descriptor);
    ApiResponse({ status: 503, description: 'No profile of the chain could serve: every attempt listed (Retry-After when cooling down)' })(
      target,
      key,
      descriptor,
    );
  };
}

/**
 * The OpenAI-compatible surface. Thin on purpose: each endpoint is a front end (`front-ends.ts`)
 * of the one routing pipeline: check the body (its compiled schema), resolve the alias, route, write
 * what the route came to. Everything runs on the raw Fastify request and reply: no pipes, no
 * per-request DI.
 */
@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1')
export class V1Controller {
  private modelList = '';
  /** The route table `modelList` was written for: a new config brings a new table. */
  private listed: unknown;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly responses: TranslatingFrontEnd;
  private readonly messages = messagesFrontEnd();
  private readonly countTokens = countTokensFrontEnd();

  constructor(
    private readonly router: GatewayRouter,
    private readonly react: ReactChat,
    @Inject(RESPONSE_STORE) private readonly store: ResponseStore,
    private readonly limiter: ClientLimiter,
  ) {
    this.responses = responsesFrontEnd(store);
  }

  @Post('chat/completions')
  @ApiOperation({ summary: 'Chat completion (JSON, or server-sent events with `stream: true`), routed over the alias chain' })
  @ApiBody(requestBody(CHAT_REQUEST_SCHEMA))
  @Routed('A chat.completion')
  chat(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(CHAT, req, reply);
  }

  @Post('completions')
  @ApiOperation({ summary: 'Legacy text completion, routed over the alias chain' })
  @ApiBody(requestBody(COMPLETIONS_REQUEST_SCHEMA))
  @Routed('A text_completion')
  completions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(COMPLETIONS, req, reply);
  }

  @Post('embeddings')
  @ApiOperation({ summary: 'Embeddings, routed over the alias chain' })
  @ApiBody(requestBody(EMBEDDINGS_REQUEST_SCHEMA))
  @Routed('A list of embeddings')
  embeddings(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(EMBEDDINGS, req, reply);
  }

  @Post('responses')
  @ApiOperation({
    summary: 'OpenAI Responses API (JSON, or its event stream with `stream: true`), translated to chat and routed over the alias chain',
  })
  @ApiBody(requestBody(RESPONSES_REQUEST_SCHEMA))
  @Routed('A response object')
  responsesCreate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.responses, req, reply);
  }

  @Get('responses/:id')
  @ApiOperation({ summary: 'A stored response, by id (kept unless it was created with `store: false`, for `responses.retention_hours`)' })
  @ApiOkResponse({ description: 'The response object as it was answered' })
  @ApiResponse({ status: 404, description: 'Unknown, not stored (store: false), or past retention' })
  async responsesGet(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const stored = await this.store.get(id, Date.now());
    if (!stored) {
      void sendError(reply, 404, `No response found with id '${id}'.`, { param: 'id', code: 'not_found' });
      return;
    }
    void reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(stored.response));
  }

  @Post('messages')
  @ApiOperation({
    summary: 'Anthropic Messages API (JSON, or its event stream with `stream: true`), translated to chat and routed over the alias chain',
  })
  @ApiBody(requestBody(MESSAGES_REQUEST_SCHEMA))
  @ApiSecurity('x-api-key')
  @Routed('An Anthropic message')
  messagesCreate(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.messages, req, reply);
  }

  @Post('messages/count_tokens')
  @ApiOperation({ summary: "Anthropic's token count of a Messages request, from the alias chain's first Anthropic profile" })
  @ApiBody(requestBody(COUNT_TOKENS_REQUEST_SCHEMA))
  @ApiSecurity('x-api-key')
  @Routed('{input_tokens}')
  messagesCountTokens(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.countTokens, req, reply);
  }

  @Get('models')
  @ApiOperation({ summary: 'The configured model aliases' })
  @ApiOkResponse({ type: ModelListDto })
  models(@Res() reply: FastifyReply): void {
    const table = this.router.table;
    if (this.listed !== table) {
      const created = this.created;
      this.modelList = JSON.stringify({
        object: 'list',
        data: [...table.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'switchboard' })),
      });
      this.listed = table;
    }
    void reply.header('content-type', 'application/json; charset=utf-8').send(this.modelList);
  }

  /** Every front end runs here: check, resolve the alias, route, answer, finish. */
  private async serve(front: FrontEnd, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const client = req.client;
    // Only when tracing is on: the ids of the request's spans (continuing the client's traceparent).
    const trace = activeTracer() === undefined ? undefined : new RequestTrace(req.headers.traceparent, started);
    const refuse = (status: number, message: string, fields: Refusal['fields'], aliasName: string | null = null) => {
      routingHeaders(reply, 0);
      if ('open' in front) front.error(reply, status, message, fields);
      else void sendError(reply, status, message, fields);
      this.router.refused(front.endpoint, status, reply, started, client?.name ?? null, aliasName, trace);
    };
    const invalid = front.check(req.body);
    if (invalid) return refuse(400, invalid.message, { param: invalid.param });
    let body = req.body as Record<string, unknown>;
    const alias = this.router.alias(body.model as string);
    if (!alias) {
      return refuse(404, `The model '${String(body.model)}' does not exist or you do not have access to it.`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    if (alias.reasoningMode === 'react' && front !== CHAT) {
      return refuse(400, `'${alias.name}' is an agent (reasoning_mode: react): only /v1/chat/completions serves it.`, { param: 'model' });
    }
    const admitted = admitClient(this.limiter, client, alias.name, reply);
    const ticket = admitted instanceof Promise ? await admitted : admitted;
    if ('refused' in ticket) return refuse(ticket.status, ticket.message, ticket.fields, alias.name);
    try {
      // An agent's answer is written by the ReAct module, which records the request from the session's model calls.
      if (alias.reasoningMode === 'react')
        return await this.react.complete(alias.name, body, reply, { client: client?.name ?? null, startedAt: started });
      // Translate in: an endpoint in another format becomes the OpenAI body the pipeline routes.
      let writer: AnswerWriter = front as OpenAiFrontEnd;
      let exchange: Exchange | undefined;
      if ('open' in front) {
        const opened = await front.open(body);
        if ('invalid' in opened) return refuse(400, opened.invalid.message, { param: opened.invalid.param }, alias.name);
        exchange = writer = opened;
        body = opened.body;
      }
      const signal = clientGone(reply);
      const stream = front.op !== 'embeddings' && body.stream === true;
      const request = this.router.open(front.op, body, alias, signal, stream, client?.name ?? null, trace);
      const result = await routeRequest(request);
      let status: number;
      if (result.kind === 'streaming') {
        routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
        // The stream's first chunks are already read (the router waited for them before committing).
        await relayStream(request, result, startSse(reply, { firstEventFollows: true }), writer.framing);
        status = 200;
      } else {
        status = await writer.answer(reply, alias.name, result);
      }
      this.router.finish(request, front.endpoint, result, status, reply);
      if (exchange?.finished) await exchange.finished();
    } finally {
      // Tokens and spend are charged from the request's record (LimitsObserver); the slot in flight here.
      this.limiter.release(ticket);
    }
  }
}
