export const DEFAULT_TOOLS_SUBJECT_PREFIX = 'switchboard.tools';

export interface ToolSubjects {
  list: string;
  call: string;
}

/**
 * NATS subjects of the tool server (request/reply, @nestjs/microservices framing):
 * `switchboard.tools.list` and `switchboard.tools.call`. Another prefix isolates a deployment
 * (or a test) sharing one NATS server.
 */
export const toolSubjects = (prefix = DEFAULT_TOOLS_SUBJECT_PREFIX): ToolSubjects => ({ list: `${prefix}.list`, call: `${prefix}.call` });

/**
 * Where each streamed step of a session is published for downstream subscribers:
 * `<prefix>.react.<sessionId>.<type>`, under the gateway's subject prefix (`NATS_SUBJECT_PREFIX`,
 * `switchboard` by default), as its other analytics subjects are.
 */
export const reactStepSubject = (sessionId: string, type: string, prefix = 'switchboard'): string => `${prefix}.react.${sessionId}.${type}`;

/** Body of a `switchboard.tools.call` request. */
export interface ToolCallRequest {
  name: string;
  input: unknown;
  timeoutMs: number;
  depth?: number;
  sessionId?: string;
}
