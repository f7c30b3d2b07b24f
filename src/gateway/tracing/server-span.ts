import { extractTraceContext, inSpan, SpanKind, type Attributes } from '@switchboard/telemetry';
import type { FastifyRequest } from 'fastify';

/**
 * Runs the handling of a request that is not routed (an agent's session) inside a server span that
 * continues the client's `traceparent`, so what the work starts (steps, tool calls, appends) is in
 * the client's trace. Without tracing it is just `work()`.
 */
export function inServerSpan<T>(req: FastifyRequest, route: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  const parent = extractTraceContext((name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  });
  return inSpan(
    `${req.method} ${route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': route, ...attributes } },
    work,
    parent,
  );
}
