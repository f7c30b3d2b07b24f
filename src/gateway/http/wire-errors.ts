import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiError, openAiError } from './openai-error';

/**
 * Deeper than any request the API takes (a tool's JSON schema nests a few dozen levels): past it a
 * body is refused before it is parsed, so no recursive walk (validation, a mapper, a clone) can
 * overflow the stack on it and answer with a RangeError.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * Node's HTTP parser refused the request before Fastify saw it (headers too large, malformed
 * HTTP, a request that took too long): answer in the API's own error shape and close, as Node and
 * Fastify do. A reset socket has nobody left to answer.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify(openAiError(status, message, { code: status === 431 ? 'headers_too_large' : 'malformed_request' }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Fastify's own JSON parser (prototype poisoning refused), behind a nesting limit. Only a body long
 * enough to nest past the limit is scanned, so the usual small request costs nothing more.
 */
export function installJsonDepthLimit(app: NestFastifyApplication, bodyLimit: number): void {
  const parse = app.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    if (body.length > 2 * MAX_JSON_DEPTH && nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new ApiError(400, `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`, { code: 'json_too_deep' }) as never, undefined);
      return;
    }
    parse(request as never, body as never, done);
  });
}

/** True when objects and arrays in the JSON `bytes` nest deeper than `limit` (brackets inside strings do not count). */
export function nestsDeeperThan(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
