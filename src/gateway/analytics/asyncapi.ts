import { reactStepsSubject, requestsCompletedSubject, type AnalyticsNames } from './subjects';

type Schema = Record<string, unknown>;

const str = { type: 'string' };
const int = { type: 'integer' };
const num = { type: 'number' };
const iso = { type: 'string', format: 'date-time' };
const fp = { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'First 16 hex digits of sha256(secret): never the secret.' };
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});

const LIMITS = obj({ rpm: int, tpm: int, maxParallel: int, budget: obj({ usd: num, per: { enum: ['day', 'month'] } }) }, []);

/**
 * Every domain event type, by the subject category it is published under, with its `data` schema.
 * Categories are the stream's, except `apikey-` streams, published as `key` (see `subjects.ts`).
 */
export const DOMAIN_EVENTS: Record<string, { category: string; summary: string; data: Schema }> = {
  KeyRegistered: { category: 'key', summary: 'A key was added (keys file or config).', data: obj({ fingerprint: fp, provider: str }) },
  KeyQuarantined: {
    category: 'key',
    summary: 'A key is cooling down until `until` (429, 5xx, timeout, reset).',
    data: obj(
      { fingerprint: fp, reason: { enum: ['rate_limited', 'upstream_error', 'timeout', 'connection_error'] }, status: int, until: iso },
      ['fingerprint', 'reason', 'until'],
    ),
  },
  KeyRestored: {
    category: 'key',
    summary: 'A key serves again.',
    data: obj({ fingerprint: fp, reason: { enum: ['deadline_passed', 'trial_succeeded', 'probe_succeeded', 'admin'] } }),
  },
  KeyRetired: {
    category: 'key',
    summary: 'A key was refused (401/403): never used again.',
    data: obj({ fingerprint: fp, reason: str, status: int }, ['fingerprint', 'reason']),
  },
  ProbeSucceeded: { category: 'key', summary: 'A probe of a cooling key answered.', data: obj({ fingerprint: fp, latencyMs: num }) },
  ProbeFailed: {
    category: 'key',
    summary: 'A probe failed.',
    data: obj({ fingerprint: fp, reason: str, status: int }, ['fingerprint', 'reason']),
  },
  KeyRemoved: { category: 'key', summary: 'A key left the keys file or config.', data: obj({ fingerprint: fp }) },
  ProviderRegistered: {
    category: 'provider',
    summary: 'A provider profile appeared in the config.',
    data: obj({ name: str, providerType: str }),
  },
  CircuitOpened: {
    category: 'provider',
    summary: "A profile's circuit opened after repeated failures.",
    data: obj({ name: str, failures: int, until: iso }),
  },
  CircuitHalfOpened: { category: 'provider', summary: 'A trial request may go through.', data: obj({ name: str }) },
  CircuitClosed: { category: 'provider', summary: 'The profile serves again.', data: obj({ name: str }) },
  ProviderDisabled: { category: 'provider', summary: 'An admin disabled the profile.', data: obj({ name: str, reason: str }, ['name']) },
  ProviderEnabled: { category: 'provider', summary: 'An admin enabled the profile.', data: obj({ name: str }) },
  ProviderRemoved: { category: 'provider', summary: 'The applied config no longer lists the profile.', data: obj({ name: str }) },
  SessionStarted: {
    category: 'react',
    summary: 'An agent session began.',
    data: obj({ sessionId: str, alias: str, pattern: str, depth: int, parentId: str, startedAt: iso }, [
      'sessionId',
      'alias',
      'pattern',
      'depth',
      'startedAt',
    ]),
  },
  ThoughtRecorded: { category: 'react', summary: 'An agent step thought.', data: obj({ step: int, text: str }) },
  ActionRequested: {
    category: 'react',
    summary: 'An agent called a tool.',
    data: obj({ step: int, tool: str, input: {} }, ['step', 'tool']),
  },
  ObservationRecorded: {
    category: 'react',
    summary: "A tool's output or error.",
    data: obj({ step: int, tool: nullable(str), output: {}, error: str }, ['step', 'tool']),
  },
  AnswerProduced: { category: 'react', summary: "The agent's answer.", data: obj({ step: int, content: str }) },
  SessionFailed: { category: 'react', summary: 'The session ended without an answer.', data: obj({ step: int, message: str }) },
  ClientKeyIssued: {
    category: 'client',
    summary: 'A named client key was issued.',
    data: obj({ name: str, fingerprint: fp, keyHash: str, models: nullable({ type: 'array', items: str }), limits: LIMITS }),
  },
  ClientLimitsChanged: {
    category: 'client',
    summary: "A client's models or limits changed.",
    data: obj({ name: str, models: nullable({ type: 'array', items: str }), limits: LIMITS }),
  },
  ClientKeyRevoked: { category: 'client', summary: 'A client key was revoked.', data: obj({ name: str }) },
  PromptChanged: {
    category: 'prompt',
    summary: "A ReAct pattern's system prompt changed.",
    data: obj({ pattern: str, prompt: str, diff: { type: 'array', items: str }, by: str, source: { enum: ['file', 'admin'] } }),
  },
  UsageRecorded: {
    category: 'usage',
    summary: 'One minute of finished requests of one (client, alias, profile, model), as one replica counted them.',
    data: obj({
      minute: iso,
      client: nullable(str),
      alias: nullable(str),
      profile: nullable(str),
      model: nullable(str),
      requests: int,
      errors: int,
      input_tokens: int,
      output_tokens: int,
      cost_usd: num,
    }),
  },
  ConfigApplied: {
    category: 'config',
    summary: 'A configuration revision was applied (from the file or by an admin); every process follows it.',
    data: obj({
      revision: int,
      diff: { type: 'array', items: str },
      source: { enum: ['file', 'admin'] },
      by: str,
      document: {
        type: 'object',
        description: 'The config as written: `${VAR}` references kept, literal secrets masked as `***<fingerprint>`.',
      },
    }),
  },
};

const envelope = (type: string, data: Schema): Schema =>
  obj({
    id: { type: 'string', description: '`<stream>@<revision>`; also the Nats-Msg-Id header.' },
    type: { const: type },
    stream: { type: 'string', description: 'The event stream, `<category>-<id>` (e.g. `apikey-<fingerprint>`).' },
    revision: { type: 'integer', minimum: 0 },
    position: { type: 'string', pattern: '^[0-9]+$', description: "The store's global position (a 64-bit number, as a string)." },
    at: iso,
    data,
  });

const attempt = obj({
  profile: str,
  model: str,
  key_fingerprint: fp,
  outcome: { enum: ['ok', 'client_error', 'retire', 'quarantine', 'unsupported'] },
  status: nullable(int),
  ms: num,
});
const usage = obj({ prompt_tokens: int, completion_tokens: int, total_tokens: int });

export const REQUEST_COMPLETED: Schema = obj({
  request_id: str,
  trace_id: {
    ...nullable({ type: 'string', pattern: '^[0-9a-f]{32}$' }),
    description: "The OpenTelemetry trace holding the request's spans; null when tracing is off.",
  },
  at: iso,
  client: nullable(str),
  endpoint: str,
  alias: nullable(str),
  stream: { type: 'boolean' },
  profile: nullable(str),
  model: nullable(str),
  key_fingerprint: nullable(fp),
  status: int,
  attempts: { type: 'array', items: attempt },
  latency_ms: num,
  ttft_ms: nullable(num),
  usage: nullable(usage),
  cost_usd: num,
});

/** A ReAct step as the client saw it on its event stream, with the session's id: which fields depends on `{type}`. */
export const REACT_STEP: Schema = obj(
  {
    sessionId: str,
    step: int,
    text: { type: 'string', description: "`thought`: the model's reasoning." },
    tool: { ...nullable(str), description: '`action`, `observation`: the tool (null for a step the model wrote wrongly).' },
    input: { description: '`action`: the tool input, as the model gave it.' },
    output: { description: '`observation`: what the tool returned.' },
    error: { type: 'string', description: '`observation`: why the tool call failed.' },
    content: { type: 'string', description: '`answer`: the answer.' },
    message: { type: 'string', description: '`error`: why the session ended without an answer.' },
  },
  ['sessionId', 'step'],
);

const STEP_TYPES = ['thought', 'action', 'observation', 'answer', 'error'];

/** The AsyncAPI 3 document of every subject the gateway publishes on, for these prefixes. */
export function asyncApiDocument(names: AnalyticsNames): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [type, { category, summary, data }] of Object.entries(DOMAIN_EVENTS)) {
    messages[type] = {
      name: type,
      title: type,
      summary,
      contentType: 'application/json',
      headers: obj({ 'Nats-Msg-Id': str }),
      payload: envelope(type, data),
    };
    channels[type] = {
      address: `${names.subjectPrefix}.events.${category}.${type}`,
      description: `JetStream stream ${names.eventsStream}.`,
      messages: { [type]: { $ref: `#/components/messages/${type}` } },
    };
    operations[`publish${type}`] = { action: 'send', channel: { $ref: `#/channels/${type}` } };
  }
  messages.RequestCompleted = {
    name: 'RequestCompleted',
    title: 'Finished /v1 request',
    summary: 'Who served it, every attempt, latency, time to first token, usage and cost: never a prompt, an answer or a secret.',
    contentType: 'application/json',
    payload: REQUEST_COMPLETED,
  };
  channels.requestsCompleted = {
    address: requestsCompletedSubject(names.subjectPrefix),
    description: `JetStream stream ${names.requestsStream}. Dropped (and counted in switchboard_analytics_dropped_total) while NATS is away beyond the buffer.`,
    messages: { RequestCompleted: { $ref: '#/components/messages/RequestCompleted' } },
  };
  operations.publishRequestCompleted = { action: 'send', channel: { $ref: '#/channels/requestsCompleted' } };
  messages.ReactStep = {
    name: 'ReactStep',
    title: 'ReAct step',
    summary: "One step of an agent's session as it happens (the SSE event's data with `sessionId`).",
    contentType: 'application/json',
    payload: REACT_STEP,
  };
  channels.reactSteps = {
    address: reactStepsSubject(names.subjectPrefix),
    description:
      'Core NATS (no stream): a subscriber gets the steps while it is connected; the session is kept in the event store (`SessionStarted`... on the events stream, `GET /v1/react/sessions/{id}`).',
    parameters: {
      sessionId: { description: "The session's id (the `session` event's `id`)." },
      type: { enum: STEP_TYPES, description: 'The step: the SSE event name.' },
    },
    messages: { ReactStep: { $ref: '#/components/messages/ReactStep' } },
  };
  operations.publishReactStep = { action: 'send', channel: { $ref: '#/channels/reactSteps' } };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard analytics',
      version: '0.1.0',
      description: `Domain events (each once, in the store's order) on ${names.eventsStream}, finished requests on ${names.requestsStream}, and ReAct steps as they happen on core NATS.`,
    },
    defaultContentType: 'application/json',
    servers: { nats: { host: 'localhost:4222', protocol: 'nats', description: 'Whatever NATS_URL names.' } },
    channels,
    operations,
    components: { messages },
  };
}
