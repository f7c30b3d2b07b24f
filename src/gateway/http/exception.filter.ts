import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isNativeError } from 'node:util/types';
import { mapError } from './error-mapping';

/** The one place every failure becomes `{ error: { message, type, param, code } }`. */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const mapped = mapError(exception);
    if (mapped.unexpected) this.logger.error(describe(exception));
    const raw = reply.raw;
    if (raw.headersSent || raw.writableEnded) {
      // A stream already started (SSE): the status is gone, so end it rather than corrupt it.
      if (!raw.writableEnded) raw.end();
      return;
    }
    if (mapped.headers) void reply.headers(mapped.headers);
    void reply.status(mapped.status).header('content-type', 'application/json; charset=utf-8').send(mapped.body);
  }
}

function describe(exception: unknown): string {
  if (isNativeError(exception)) return exception.stack ?? `${exception.name}: ${exception.message}`;
  return `non-error thrown: ${typeof exception}`;
}
