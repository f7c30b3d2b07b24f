import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { SseDecoder, type Provider, type StreamInit, type UpstreamResponse } from '@switchboard/providers';

/** What a provider's stream mapper made of an upstream body read off the socket. */
export interface MappedStream {
  chunks: ChatCompletionChunk[];
  /** The mapper said the upstream stream was over. */
  done: boolean;
}

/** Decodes the body as it arrives (in whatever pieces the socket gives) and maps each event once, as the gateway does. */
export async function mapStream(provider: Provider, body: UpstreamResponse['body'], init: StreamInit): Promise<MappedStream> {
  const decoder = new SseDecoder();
  let state = provider.stream.init(init);
  const chunks: ChatCompletionChunk[] = [];
  let done = false;
  const consume = (events: ReturnType<SseDecoder['push']>): void => {
    for (const event of events) {
      const step = provider.stream.next(state, event);
      state = step.state;
      done ||= step.done === true;
      for (const c of step.chunks) chunks.push((typeof c === 'string' ? JSON.parse(c) : c) as ChatCompletionChunk);
    }
  };
  for await (const bytes of body) consume(decoder.push(bytes));
  consume(decoder.end());
  return { chunks, done };
}
