import type { Chunk } from '../routing/stream-cursor';
import { encodeSse, type ChatCompletionChunk } from '@switchboard/providers';

/** A named SSE event, as the Responses and Anthropic streams carry them (`event:` is the payload's `type`). */
export function namedEvent(event: { type: string }): string {
  return encodeSse(JSON.stringify(event), event.type);
}

export function namedEvents(events: Array<{ type: string }>): string {
  let text = '';
  for (const event of events) text += namedEvent(event);
  return text;
}

/** A chunk as an object: passthrough upstreams hand over their JSON text, translated ones the object. */
export function chunkObject(chunk: Chunk): ChatCompletionChunk {
  return (typeof chunk === 'string' ? JSON.parse(chunk) : chunk) as ChatCompletionChunk;
}
