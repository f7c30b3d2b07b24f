import { parseStream } from '@switchboard/domain';
import type { RecordedEvent } from '@switchboard/event-store';

/**
 * Where analytics go on NATS: subjects under `NATS_SUBJECT_PREFIX` (default `switchboard`: the
 * domain events, the finished requests and the ReAct steps) and
 * streams under `NATS_STREAM_PREFIX` (default none), so deployments sharing a server stay apart.
 */
export interface AnalyticsNames {
  subjectPrefix: string;
  eventsStream: string;
  requestsStream: string;
}

export function analyticsNames(env: NodeJS.ProcessEnv): AnalyticsNames {
  const subjectPrefix = env.NATS_SUBJECT_PREFIX || 'switchboard';
  const streamPrefix = env.NATS_STREAM_PREFIX ?? '';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix))
    throw new Error(`NATS_SUBJECT_PREFIX '${subjectPrefix}': dot-separated tokens of letters, digits, '_' and '-'`);
  if (!/^[A-Za-z0-9_-]*$/.test(streamPrefix)) throw new Error(`NATS_STREAM_PREFIX '${streamPrefix}': letters, digits, '_' and '-' only`);
  return {
    subjectPrefix,
    eventsStream: `${streamPrefix}SWITCHBOARD_EVENTS`,
    requestsStream: `${streamPrefix}SWITCHBOARD_REQUESTS`,
  };
}

/**
 * A stream category's name on the wire. `apikey-<fp>` streams publish as `key` (the subject the
 * contract shows: `switchboard.events.key.KeyQuarantined`); every other category keeps its name
 * (`provider`, `react`, `usage`, `client`, `config`, `prompt`, and any later one).
 */
const SUBJECT_CATEGORY: Readonly<Record<string, string>> = { apikey: 'key' };

export function subjectCategory(stream: string): string {
  const { category } = parseStream(stream);
  return SUBJECT_CATEGORY[category] ?? category;
}

/** `<prefix>.events.<category>.<EventType>` */
export function eventSubject(prefix: string, event: Pick<RecordedEvent, 'stream' | 'type'>): string {
  return `${prefix}.events.${subjectCategory(event.stream)}.${event.type}`;
}

export const eventsSubjects = (prefix: string): string => `${prefix}.events.>`;
export const requestsCompletedSubject = (prefix: string): string => `${prefix}.requests.completed`;
/** ReAct steps as they happen, on core NATS (`reactStepSubject` of @switchboard/react fills the parameters). */
export const reactStepsSubject = (prefix: string): string => `${prefix}.react.{sessionId}.{type}`;

/**
 * An event's id: its stream and revision, which name it in every store and never change, so every
 * replica and every republish after a crash gives the same `Nats-Msg-Id`.
 */
export const eventId = (event: Pick<RecordedEvent, 'stream' | 'revision'>): string => `${event.stream}@${event.revision}`;

/** The message of one domain event on `SWITCHBOARD_EVENTS`. */
export interface DomainEventMessage {
  id: string;
  type: string;
  stream: string;
  revision: number;
  /** The store's global position, as a decimal string (a 64-bit number in some stores). */
  position: string;
  at: string;
  data: Record<string, unknown>;
}

export function domainEventMessage(event: RecordedEvent): DomainEventMessage {
  return {
    id: eventId(event),
    type: event.type,
    stream: event.stream,
    revision: event.revision,
    position: event.position.toString(),
    at: event.at,
    data: event.data,
  };
}
