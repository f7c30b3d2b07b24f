import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GATEWAY_ENV } from '../core/core.tokens';
import { asyncApiDocument } from './asyncapi';
import { analyticsNames } from './subjects';

/** `/docs/asyncapi.json`: the contract for NATS subscribers, beside the OpenAPI document (open, like `/docs`). */
@ApiExcludeController()
@Controller('docs')
export class AsyncApiController {
  private readonly document: Record<string, unknown>;

  constructor(@Inject(GATEWAY_ENV) env: NodeJS.ProcessEnv) {
    this.document = asyncApiDocument(analyticsNames(env));
  }

  @Get('asyncapi.json')
  @Header('cache-control', 'no-cache')
  get(): Record<string, unknown> {
    return this.document;
  }
}
