import { createParser, type EventSourceParser } from 'eventsource-parser';
import type { SseEvent } from '../provider';

/**
 * Incremental server-sent-events decoder: push bytes as they arrive, get the complete events.
 * Events split across chunks, multi-byte characters split across chunks, CRLF and comment
 * lines are handled by `eventsource-parser` and a streaming `TextDecoder`.
 */
export class SseDecoder {
  private readonly text = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private pending: SseEvent[] = [];

  constructor() {
    this.parser = createParser({
      onEvent: (message) => {
        this.pending.push(message.event ? { event: message.event, data: message.data } : { data: message.data });
      },
    });
  }

  push(bytes: Uint8Array | string): SseEvent[] {
    this.parser.feed(typeof bytes === 'string' ? bytes : this.text.decode(bytes, { stream: true }));
    return this.drain();
  }

  /** Call when the upstream body ends: an event not closed by a blank line is still delivered. */
  end(): SseEvent[] {
    const rest = this.text.decode();
    // Blank lines close whatever event is still open; they are harmless when none is.
    this.parser.feed(`${rest}\n\n`);
    this.parser.reset();
    return this.drain();
  }

  private drain(): SseEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** The data of the event that ends an OpenAI stream (and the only place it is written). */
export const DONE_DATA = '[DONE]';

/**
 * The one SSE encoder: a frame of the gateway's output. Multi-line data becomes several `data:`
 * lines (any of CRLF, CR, LF); single-line data, every JSON chunk, is framed as it is, without a
 * split: the stream relay frames each chunk through here.
 */
export function encodeSse(data: string, event?: string): string {
  const head = event ? `event: ${event}\n` : '';
  if (!data.includes('\n') && !data.includes('\r')) return `${head}data: ${data}\n\n`;
  const lines = data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${head}${lines}\n`;
}

/** The frame that ends an OpenAI stream: `data: [DONE]`. */
export const SSE_DONE = encodeSse(DONE_DATA);
