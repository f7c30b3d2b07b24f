/**
 * Where `/v1/responses` keeps what it answered (`store`, the default), so that a follow-up with
 * `previous_response_id`, an `item_reference`, or `GET /v1/responses/{id}` finds it on any
 * replica that shares the store. Not an event stream: a response is a document read back by id,
 * not a state transition to replay, and it expires (docs/events.md lists the event streams; this is none).
 */
export interface StoredResponse {
  id: string;
  /** When it was created (ms since the epoch): retention counts from here. */
  createdAtMs: number;
  /** The response object as the client got it. */
  response: Record<string, unknown>;
  /** The conversation before its output (earlier turns, then this request's input), as Responses items. */
  input: unknown[];
}

export interface ResponseStoreLimits {
  /** A response older than this is gone (read as absent, and deleted). */
  retentionMs: number;
  /** At most this many responses are kept; the oldest go first. */
  maxStored: number;
}

export interface ResponseStore {
  /** Keeps a response (one with the same id is replaced) and lets go of what is past the limits. */
  put(record: StoredResponse, nowMs: number): Promise<void>;
  /** The response with this id, unless it is unknown or past retention. */
  get(id: string, nowMs: number): Promise<StoredResponse | undefined>;
  close(): Promise<void>;
}
