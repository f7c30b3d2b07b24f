import { isNativeError } from 'node:util/types';
import { HttpException } from '@nestjs/common';
import { isOpenAiErrorBody, openAiError, type OpenAiErrorBody } from './openai-error';

export interface MappedError {
  status: number;
  body: OpenAiErrorBody;
  headers?: Record<string, string>;
  /** Unexpected: worth a log line with the stack (never sent to the client). */
  unexpected: boolean;
}

const INTERNAL = 'The server had an error while processing your request.';
// JSON.parse messages quote the start of the body, which may hold a secret: never echo them.
const BAD_JSON = 'We could not parse the JSON body of your request. Send a valid JSON object with Content-Type: application/json.';

/** Anything thrown anywhere → the status and OpenAI body the client sees. Pure, never throws. */
export function mapError(exception: unknown): MappedError {
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isFastifyError(exception)) return fromStatus(exception.statusCode, exception.message);
  const code = codeOf(exception);
  // Node's "aborted": the client hung up while its body was arriving. Nobody is left to answer, and
  // it is no fault of ours. (Only that error: a dependency's ECONNRESET stays a logged 500.)
  if (code === 'ECONNRESET' && (exception as Error).message === 'aborted') {
    return { status: 400, body: openAiError(400, 'The client closed the connection before its request arrived.'), unexpected: false };
  }
  if (code !== undefined) return fromDomainCode(code, exception as Error);
  return { status: 500, body: openAiError(500, INTERNAL), unexpected: true };
}

function fromHttpException(exception: HttpException): MappedError {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const headers = (exception as { headers?: Record<string, string> }).headers;
  if (isOpenAiErrorBody(response)) return { status, body: response, headers, unexpected: false };
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    // class-validator: "model must be a string" → param `model`.
    const texts = message.map(String);
    const param = /^([\w.[\]]+) /.exec(texts[0] ?? '')?.[1] ?? null;
    return { status, body: openAiError(status, texts.join('; '), { param }), headers, unexpected: false };
  }
  return fromStatus(status, typeof message === 'string' ? message : exception.message, headers);
}

function fromStatus(status: number, message: string, headers?: Record<string, string>): MappedError {
  if (status >= 500) return { status, body: openAiError(status, INTERNAL), headers, unexpected: true };
  if (status === 400 && /JSON/i.test(message))
    return { status, body: openAiError(400, BAD_JSON, { code: 'invalid_json' }), unexpected: false };
  if (status === 413) return { status, body: openAiError(413, 'Request body is too large.'), unexpected: false };
  if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /.test(message)) {
    return {
      status,
      body: openAiError(404, `Unknown route: ${message.slice('Cannot '.length)}`, { code: 'unknown_route' }),
      unexpected: false,
    };
  }
  return { status, body: openAiError(status, message), headers, unexpected: false };
}

/** Domain refusals carry a stable `code`; their HTTP status is decided here, in one switch. */
function fromDomainCode(code: string, error: Error): MappedError {
  const param = (error as { param?: unknown }).param;
  switch (code) {
    case 'KEY_NOT_REGISTERED':
    case 'PROVIDER_NOT_REGISTERED':
      return { status: 404, body: openAiError(404, error.message, { code: code.toLowerCase() }), unexpected: false };
    case 'CONFIG_REVISION_MISMATCH':
      return { status: 412, body: openAiError(412, error.message, { code: 'stale_revision', param: 'if-match' }), unexpected: false };
    case 'CLIENT_NOT_FOUND':
      return { status: 404, body: openAiError(404, error.message, { code: 'client_not_found', param: 'name' }), unexpected: false };
    case 'CLIENT_EXISTS':
      return { status: 409, body: openAiError(409, error.message, { code: 'client_exists', param: 'name' }), unexpected: false };
    case 'KEY_REMOVED':
      return { status: 409, body: openAiError(409, error.message, { code: code.toLowerCase() }), unexpected: false };
    case 'unsupported_parameter':
      return {
        status: 400,
        body: openAiError(400, error.message, { code, param: typeof param === 'string' ? param : null }),
        unexpected: false,
      };
    // ConcurrencyError that outlived runCommand's retries.
    case 'WRONG_EXPECTED_REVISION':
      return {
        status: 409,
        body: openAiError(409, 'The resource changed concurrently; retry the request.', { code: 'conflict' }),
        unexpected: true,
      };
    default:
      return { status: 500, body: openAiError(500, INTERNAL), unexpected: true };
  }
}

function isFastifyError(e: unknown): e is { statusCode: number; message: string; code: string } {
  if (typeof e !== 'object' || e === null) return false;
  const { statusCode, code } = e as { statusCode?: unknown; code?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 && typeof code === 'string' && code.startsWith('FST_');
}

function codeOf(e: unknown): string | undefined {
  // isNativeError, not instanceof: Node's own errors (a socket's, say) may come from another realm.
  if (!isNativeError(e)) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
