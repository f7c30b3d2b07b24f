import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientGone } from '../http/client-gone';
import { startSse } from '../http/sse';
import { routeRequest } from '../routing/route-request';
import { relayStream } from '../routing/stream-relay';
import { CHAT, COMPLETIONS, EMBEDDINGS, type FrontEnd } from './front-ends';
import { GatewayRouter } from './gateway-router';
import { ReactChat } from './react-bridge';
import { routingHeaders, sendError } from './respond';
import { ChatCompletionRequestDto, CompletionRequestDto, EmbeddingRequestDto, ModelListDto } from './v1.dto';

/**
 * The OpenAI-compatible surface. Thin on purpose: each endpoint is a front end (`front-ends.ts`)
 * of the one routing pipeline: check the body by hand (fast), resolve the alias, route, write
 * what the route came to. Everything runs on the raw Fastify request and reply: no pipes, no
 * per-request DI.
 */
@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1')
export class V1Controller {
  private readonly modelList: string;

  constructor(
    private readonly router: GatewayRouter,
    private readonly react: ReactChat,
  ) {
    const created = Math.floor(Date.now() / 1000);
    this.modelList = JSON.stringify({
      object: 'list',
      data: [...router.table.keys()].map((id) => ({ id, object: 'model', created, owned_by: 'switchboard' })),
    });
  }

  @Post('chat/completions')
  @ApiOperation({ summary: 'Chat completion (JSON, or server-sent events with `stream: true`), routed over the alias chain' })
  @ApiBody({ type: ChatCompletionRequestDto })
  chat(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(CHAT, req, reply);
  }

  @Post('completions')
  @ApiOperation({ summary: 'Legacy text completion, routed over the alias chain' })
  @ApiBody({ type: CompletionRequestDto })
  completions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(COMPLETIONS, req, reply);
  }

  @Post('embeddings')
  @ApiOperation({ summary: 'Embeddings, routed over the alias chain' })
  @ApiBody({ type: EmbeddingRequestDto })
  embeddings(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(EMBEDDINGS, req, reply);
  }

  @Get('models')
  @ApiOperation({ summary: 'The configured model aliases' })
  @ApiOkResponse({ type: ModelListDto })
  models(@Res() reply: FastifyReply): void {
    void reply.header('content-type', 'application/json; charset=utf-8').send(this.modelList);
  }

  /** Every front end runs here: check, resolve the alias, route, answer, finish. */
  private async serve(front: FrontEnd, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const invalid = front.check(req.body);
    if (invalid) {
      routingHeaders(reply, 0);
      void sendError(reply, 400, invalid.message, { param: invalid.param });
      this.router.refused(front.endpoint, 400, reply, started);
      return;
    }
    const body = req.body as Record<string, unknown>;
    const alias = this.router.alias(body.model as string);
    if (!alias) {
      routingHeaders(reply, 0);
      void sendError(reply, 404, `The model '${String(body.model)}' does not exist or you do not have access to it.`, {
        param: 'model',
        code: 'model_not_found',
      });
      this.router.refused(front.endpoint, 404, reply, started);
      return;
    }
    if (alias.reasoningMode === 'react') {
      // TODO(issue 21): an agent's answer is written by the ReAct module and ends in no record yet.
      if (front.op === 'chat') return this.react.complete(alias.name, body, reply);
      routingHeaders(reply, 0);
      void sendError(reply, 400, `'${alias.name}' is an agent (reasoning_mode: react): only /v1/chat/completions serves it.`, {
        param: 'model',
      });
      return;
    }
    const signal = clientGone(reply);
    const request = this.router.open(front.op, body, alias, signal, front.op !== 'embeddings' && body.stream === true);
    const result = await routeRequest(request);
    let status: number;
    if (result.kind === 'streaming') {
      routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
      // The stream's first chunks are already read (the router waited for them before committing).
      await relayStream(request, result, startSse(reply, { firstEventFollows: true }), front.framing);
      status = 200;
    } else {
      status = front.answer(reply, alias.name, result);
    }
    this.router.finish(request, front.endpoint, result, status, reply);
  }
}
