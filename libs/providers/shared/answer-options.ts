import type { CallContext } from '../provider';

/**
 * What a translating adapter must honour itself because its upstream never sees it: the client's
 * wishes for the answer's shape and, given the clock reading, the answer's date (upstreams other
 * than OpenAI's send none). The router spreads this onto each call's `CallContext`, so mappers
 * read no clock; passthrough adapters ignore it, their upstream reads the body.
 */
export function answerOptions(
  body: Record<string, unknown>,
  nowMs?: number,
): Pick<CallContext, 'encodingFormat' | 'includeUsage' | 'created'> {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return {
    ...(body.encoding_format === 'base64' || body.encoding_format === 'float' ? { encodingFormat: body.encoding_format } : {}),
    ...(options?.include_usage === true ? { includeUsage: true } : {}),
    ...(nowMs === undefined ? {} : { created: Math.floor(nowMs / 1000) }),
  };
}
