import { fixturesIn } from '../../../test/support/fixtures';
import { InvalidRequestError, type ChatCompletion, type ChatCompletionChunk } from '@switchboard/providers';
import {
  conversationItems,
  failResponseStream,
  finishResponseStream,
  nextResponseEvents,
  outputItemId,
  parseOutputItemId,
  referencedItemIds,
  responseSkeleton,
  startResponseStream,
  toChatRequest,
  toResponse,
  type InputItem,
  type ResponseStreamEvent,
  type ResponsesRequest,
} from '.';

const fixtures = fixturesIn(`${__dirname}/fixtures`);
/** The chat completions and chunks both dialects are translated from. */
const chat = fixturesIn(`${__dirname}/../fixtures`);

const who = { id: 'resp_r1', createdAt: 1700000000, model: 'main-gpt' };
const skeleton = responseSkeleton({ model: 'main-gpt', input: 'x', tools: [] }, who);

function translate(
  req: ResponsesRequest,
  stored: { history: InputItem[]; referenced: Record<string, InputItem> } = { history: [], referenced: {} },
) {
  return toChatRequest(req, conversationItems(req, stored.history, new Map(Object.entries(stored.referenced))));
}

function streamed(chunks: ChatCompletionChunk[]): ResponseStreamEvent[] {
  let step = startResponseStream(skeleton);
  const events = [...step.events];
  for (const chunk of chunks) {
    step = nextResponseEvents(step.state, chunk);
    events.push(...step.events);
  }
  return [...events, ...finishResponseStream(step.state).events];
}

describe('Responses request -> chat request', () => {
  it.each(fixtures.names('.request.json'))('%s: maps to the expected chat request', (name) => {
    const stored = fixtures.exists(`${name}.stored.json`) ? fixtures.json<never>(`${name}.stored.json`) : undefined;
    expect(translate(fixtures.json(`${name}.request.json`), stored)).toEqual(fixtures.json(`${name}.chat.json`));
  });

  it('lists the item references the store must be asked for', () => {
    expect(referencedItemIds(fixtures.json('tool-round-trip.request.json'))).toEqual(['msg_abc123_0', 'fc_abc123_1']);
    expect(referencedItemIds({ model: 'm', input: 'hi' })).toEqual([]);
  });

  it('answers 400 naming the reference when a referenced item is not stored', () => {
    const req: ResponsesRequest = { model: 'm', input: [{ type: 'item_reference', id: 'fc_gone_0' }] };
    expect(() => translate(req)).toThrow(expect.objectContaining({ param: 'input[0].id' }) as Error);
  });

  it.each([
    ['tools[0].type', { tools: [{ type: 'web_search' }] }],
    ['tool_choice', { tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'web_search' } }],
    ['text.format.schema', { text: { format: { type: 'json_schema', name: 's' } } }],
    ['text.format.type', { text: { format: { type: 'yaml' } } }],
    ['background', { background: true }],
    ['input[0].content[0].type', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }],
    ['input[0].content[0].image_url', { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }],
    ['input[0].type', { input: [{ type: 'web_search_call', id: 'ws_1' }] }],
    ['input[0].call_id', { input: [{ type: 'function_call_output', output: 'x' }] }],
  ])('refuses what chat cannot carry with a 400 naming %s', (param, extra) => {
    const attempt = () => translate({ model: 'm', input: 'hi', ...extra } as ResponsesRequest);
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(expect.objectContaining({ param }) as Error);
  });

  it('continues a stored conversation without its instructions, as OpenAI does', () => {
    const history: InputItem[] = [{ type: 'message', role: 'user', content: 'first' }];
    const chat = translate({ model: 'm', input: 'second', instructions: 'be brief' }, { history, referenced: {} });
    expect(chat.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'be brief'],
      ['user', 'first'],
      ['user', 'second'],
    ]);
  });
});

describe('chat answer -> response', () => {
  it.each(['text', 'tool-calls', 'length'])('%s: maps to the expected response object', (name) => {
    expect(toResponse(chat.json<ChatCompletion>(`${name}.completion.json`), skeleton)).toEqual(fixtures.json(`${name}.response.json`));
  });

  it('echoes the request settings the client sent', () => {
    const req = fixtures.json<ResponsesRequest>('plain-string.request.json');
    const response = toResponse(chat.json<ChatCompletion>('text.completion.json'), responseSkeleton(req, who));
    expect(response).toMatchObject({
      instructions: 'You are a friendly storyteller.',
      max_output_tokens: 200,
      temperature: 0.7,
      metadata: { session: 'abc' },
      store: true,
    });
  });

  it('names every output item so that a reference finds its response and place', () => {
    const response = toResponse(chat.json<ChatCompletion>('tool-calls.completion.json'), skeleton);
    for (const [i, item] of response.output.entries())
      expect(parseOutputItemId(item.id)).toEqual({ responseId: 'resp_r1', outputIndex: i });
    expect(outputItemId('resp_r1', 'function_call', 2)).toBe('fc_r1_2');
    expect(parseOutputItemId('call_abc')).toBeUndefined();
  });
});

describe('chat stream -> Responses events', () => {
  it.each(['text', 'tool-calls'])('%s: maps the chunks to the expected event sequence', (name) => {
    expect(streamed(chat.json(`${name}.chunks.json`))).toEqual(fixtures.json(`${name}.events.json`));
  });

  it('numbers the events in order and ends with the same response a non-streamed call gives', () => {
    const events = streamed(chat.json('tool-calls.chunks.json'));
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events[events.length - 1];
    expect(completed.type).toBe('response.completed');
    expect((completed.response as { output: unknown[] }).output).toHaveLength(3);
  });

  it('an answer cut short ends with response.incomplete', () => {
    const chunks: ChatCompletionChunk[] = chat.json('text.chunks.json');
    chunks[3] = { ...chunks[3], choices: [{ index: 0, delta: {}, finish_reason: 'length' }] };
    const last = streamed(chunks).pop();
    expect(last).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('a failure mid-way ends with response.failed keeping the partial output, then an error event', () => {
    let step = startResponseStream(skeleton);
    step = nextResponseEvents(step.state, chat.json<ChatCompletionChunk[]>('text.chunks.json')[1]);
    const failed = failResponseStream(step.state, { code: 'server_error', message: 'upstream reset' });
    expect(failed.events.map((e) => e.type)).toEqual(['response.failed', 'error']);
    expect(failed.events[0]).toMatchObject({
      response: {
        status: 'failed',
        error: { code: 'server_error', message: 'upstream reset' },
        output: [{ type: 'message', status: 'incomplete', content: [{ text: 'Hello' }] }],
      },
    });
    expect(failed.events[1]).toMatchObject({ code: 'server_error', message: 'upstream reset', error: { code: 'server_error' } });
  });
});
