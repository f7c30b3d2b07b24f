import { HttpException } from '@nestjs/common';

/** The OpenAI error body every failure of the gateway is answered with. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAiErrorFields {
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** OpenAI's `type` for a status when the caller names none. */
export function errorTypeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return status === 503 ? 'service_unavailable' : 'server_error';
  return 'invalid_request_error';
}

/** A stable machine-readable `code` for a status when the caller names none. */
export function errorCodeFor(status: number): string | null {
  switch (status) {
    case 401:
      return 'invalid_api_key';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'request_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limit_exceeded';
    case 500:
      return 'internal_error';
    case 503:
      return 'service_unavailable';
    default:
      return null;
  }
}

export function openAiError(status: number, message: string, fields: OpenAiErrorFields = {}): OpenAiErrorBody {
  return {
    error: {
      message,
      type: fields.type ?? errorTypeFor(status),
      param: fields.param ?? null,
      code: fields.code === undefined ? errorCodeFor(status) : fields.code,
    },
  };
}

export function isOpenAiErrorBody(value: unknown): value is OpenAiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** Thrown by controllers and services; the exception filter answers it as is. */
export class ApiError extends HttpException {
  /** Extra response headers (e.g. `Retry-After` on a 503). */
  readonly headers?: Record<string, string>;

  constructor(status: number, message: string, fields: OpenAiErrorFields = {}, opts?: { headers?: Record<string, string> }) {
    super(openAiError(status, message, fields), status);
    this.headers = opts?.headers;
  }
}
