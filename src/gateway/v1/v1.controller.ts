import { Controller, Get, Optional, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CancelSignal, Operation } from '@switchboard/providers';
import { clientGone } from '../http/client-gone';
import { startSse } from '../http/sse';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { relayStream } from '../routing/stream-relay';
import type { Streaming } from '../routing/route-request';
import { GatewayRouter } from './gateway-router';
import { ReactChat } from './react-bridge';
import { routingHeaders, sendError, sendResult } from './respond';
import { ChatCompletionRequestDto, CompletionRequestDto, EmbeddingRequestDto, ModelListDto } from './v1.dto';
import { VALIDATORS } from './validate';

type RoutedOp = Exclude<Operation, 'models'>;

/**
 * The OpenAI-compatible surface. Thin on purpose: check the body by hand (fast), resolve the
 * alias, hand the request to the router, write what it answers. Everything runs on the raw
 * Fastify request and reply: no pipes, no per-request DI.
 */
@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1')
export class V1Controller {
  private readonly modelList: string;

  constructor(
    private readonly router: GatewayRouter,
    private readonly react: ReactChat,
    @Optional() private readonly metrics?: GatewayMetrics,
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
    return this.serve('chat', req, reply);
  }

  @Post('completions')
  @ApiOperation({ summary: 'Legacy text completion, routed over the alias chain' })
  @ApiBody({ type: CompletionRequestDto })
  completions(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('completions', req, reply);
  }

  @Post('embeddings')
  @ApiOperation({ summary: 'Embeddings, routed over the alias chain' })
  @ApiBody({ type: EmbeddingRequestDto })
  embeddings(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve('embeddings', req, reply);
  }

  @Get('models')
  @ApiOperation({ summary: 'The configured model aliases' })
  @ApiOkResponse({ type: ModelListDto })
  models(@Res() reply: FastifyReply): void {
    void reply.header('content-type', 'application/json; charset=utf-8').send(this.modelList);
  }

  private async serve(op: RoutedOp, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const invalid = VALIDATORS[op](req.body);
    if (invalid) {
      routingHeaders(reply, 0);
      void sendError(reply, 400, invalid.message, { param: invalid.param });
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
      return;
    }
    if (alias.reasoningMode === 'react') {
      if (op === 'chat') return this.react.complete(alias.name, body, reply);
      routingHeaders(reply, 0);
      void sendError(reply, 400, `'${alias.name}' is an agent (reasoning_mode: react): only /v1/chat/completions serves it.`, {
        param: 'model',
      });
      return;
    }
    const signal = clientGone(reply);
    const stream = op !== 'embeddings' && body.stream === true;
    const result = await this.router.route(op, body, alias, signal, stream);
    let status: number;
    let provider = 'none';
    if (result.kind === 'streaming') {
      await this.stream(result, reply, signal);
      status = 200;
      provider = result.target.name;
    } else {
      status = sendResult(reply, op, alias.name, result);
      if (result.kind === 'served' || result.kind === 'client_error') provider = result.target.name;
    }
    this.metrics?.request(alias.name, provider, status, (performance.now() - started) / 1000);
  }

  private async stream(result: Streaming, reply: FastifyReply, signal: CancelSignal): Promise<void> {
    routingHeaders(reply, result.attempts.length, result.target, result.fingerprint);
    // The stream's first chunks are already read (the router waited for them before committing).
    const raw = startSse(reply, { firstEventFollows: true });
    await relayStream(result, raw, this.router.deps, signal);
  }
}
