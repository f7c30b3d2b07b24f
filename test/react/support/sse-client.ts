/** One server-sent event as a client reads it: `event:` (when named) and the `data:` text. */
export interface SseMessage {
  event?: string;
  data: string;
}

/** Reads an event stream to its end (or until `onMessage` returns `'stop'`), message by message as they arrive. */
export async function readSse(
  response: Response,
  onMessage: (message: SseMessage) => void | 'stop' = () => undefined,
): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return messages;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = parseBlock(block);
      if (!message) continue;
      messages.push(message);
      if (onMessage(message) === 'stop') {
        await reader.cancel().catch(() => undefined);
        return messages;
      }
    }
  }
}

function parseBlock(block: string): SseMessage | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length === 0) return undefined;
  return { ...(event ? { event } : {}), data: data.join('\n') };
}

/** A ReAct step event as streamed: `{ type, data }` with `data` parsed. */
export interface StreamedStep {
  type: string;
  data: Record<string, unknown>;
}

export const toSteps = (messages: SseMessage[]): StreamedStep[] =>
  messages.map((m) => ({ type: m.event ?? 'message', data: JSON.parse(m.data) as Record<string, unknown> }));
