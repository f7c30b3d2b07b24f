import type { CallContext, UpstreamResponse } from '@switchboard/providers';
import type { Skip } from './request-context';
import type { Attempt } from './request-record';
import type { RouteTarget } from './route-table';
import type { Chunk, StreamCursor } from './stream-cursor';

interface ServedBase {
  target: RouteTarget;
  fingerprint: string;
  ctx: CallContext;
  status: number;
  headers: UpstreamResponse['headers'];
  attempts: Attempt[];
}

/** A whole upstream answer, read before anything reached the client (so failover stayed possible). */
export interface Served extends ServedBase {
  kind: 'served';
  body: Buffer;
  /** The answer mapped to OpenAI JSON, for a type that does not speak it (passthrough bodies stay bytes). */
  answer?: Record<string, unknown>;
}

/**
 * A streaming answer that has said its first real chunk: from here on the client is committed to
 * it. `pending` are the chunks read so far (written first); the cursor carries on from there.
 */
export interface Streaming extends ServedBase {
  kind: 'streaming';
  pending: Chunk[];
  cursor: StreamCursor;
}

/** What routing a request came to; each front end translates it into its own answer. */
export type RouteResult =
  | Served
  | Streaming
  /** The client's own error: the upstream's status and body, no failover. */
  | {
      kind: 'client_error';
      target: RouteTarget;
      fingerprint: string;
      status: number;
      contentType?: string;
      body: string;
      attempts: Attempt[];
    }
  /**
   * No profile of the chain can do what the request asks (`unsupported_parameter`), or the body is
   * malformed in a way only a mapper saw (`code: 'invalid_request'`): a 400 either way.
   */
  | { kind: 'unsupported'; param: string | null; message: string; code?: string; attempts: Attempt[]; skipped: Skip[] }
  | {
      kind: 'exhausted';
      attempts: Attempt[];
      skipped: Skip[];
      retryAfterMs?: number;
      /** Keys of the chain's profiles this request never called (cooling, retired, or past the call cap). */
      keysSkipped: number;
      /** Set when the request stopped at `routing.maxUpstreamCalls`. */
      callCap?: number;
    }
  /** The client went away; nothing more to say to it. */
  | { kind: 'aborted'; attempts: Attempt[] };

/** A key's call did not end the request: try the profile's next key, or the chain's next profile. */
export type Fallthrough = 'next_key' | 'next_profile';
