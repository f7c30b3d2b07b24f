import { fixturesIn } from '../../../test/support/fixtures';
import { InvalidRequestError, type ChatCompletion, type ChatCompletionChunk } from '@switchboard/providers';
import {
  failMessageStream,
  finishMessageStream,
  nextMessageEvents,
  startMessageStream,
  toChatRequest,
  toMessage,
  type MessageStreamEvent,
  type MessagesRequest,
} from '.';

const fixtures = fixturesIn(`${__dirname}/fixtures`);
/** The chat completions and chunks both dialects are translated from. */
const chat = fixturesIn(`${__dirname}/../fixtures`);
const who = { id: 'msg_m1', model: 'claude-alias' };

function streamed(chunks: ChatCompletionChunk[]): MessageStreamEvent[] {
  let step = startMessageStream(who);
  const events = [...step.events];
  for (const chunk of chunks) {
    step = nextMessageEvents(step.state, chunk);
    events.push(...step.events);
  }
  return [...events, ...finishMessageStream(step.state).events];
}

describe('Messages request -> chat request', () => {
  it.each(fixtures.names('.request.json'))('%s: maps to the expected chat request', (name) => {
    expect(toChatRequest(fixtures.json(`${name}.request.json`))).toEqual(fixtures.json(`${name}.chat.json`));
  });

  it.each([
    ['max_tokens', {}],
    ['top_k', { max_tokens: 10, top_k: 5 }],
    ['thinking', { max_tokens: 10, thinking: { type: 'enabled', budget_tokens: 1024 } }],
    ['tools[0].type', { max_tokens: 10, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }],
    ['tool_choice.type', { max_tokens: 10, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'sometimes' } }],
    ['messages[0].content[0].type', { max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }],
    ['messages[0].role', { max_tokens: 10, messages: [{ role: 'system', content: 'x' }] }],
  ])('refuses what chat cannot carry with a 400 naming %s', (param, extra) => {
    const attempt = () =>
      toChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra } as unknown as MessagesRequest);
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(expect.objectContaining({ param }) as Error);
  });
});

describe('chat answer -> message', () => {
  it.each(['text', 'tool-calls', 'length'])('%s: maps to the expected message', (name) => {
    expect(toMessage(chat.json<ChatCompletion>(`${name}.completion.json`), who)).toEqual(fixtures.json(`${name}.message.json`));
  });
});

describe('chat stream -> Messages events', () => {
  it.each(['text', 'tool-calls'])('%s: maps the chunks to the expected event sequence', (name) => {
    expect(streamed(chat.json(`${name}.chunks.json`))).toEqual(fixtures.json(`${name}.events.json`));
  });

  it('a failure mid-way is an error event in Anthropic shape', () => {
    expect(failMessageStream({ type: 'api_error', message: 'upstream reset' })).toEqual([
      { type: 'error', error: { type: 'api_error', message: 'upstream reset' } },
    ]);
  });
});
