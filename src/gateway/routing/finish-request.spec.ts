import { modelOf, usageOf } from './finish-request';

describe('usageOf', () => {
  it('reads the usage of passthrough bytes from their end, nested details and all', () => {
    const body = Buffer.from(
      JSON.stringify({
        id: 'x',
        choices: [{ message: { content: 'the "usage": {"prompt_tokens": 99} is quoted here' } }],
        usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } },
      }),
    );
    expect(usageOf(body)).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
  });

  it('finds nothing in bytes whose usage is null or missing, or only quoted in the content', () => {
    expect(usageOf(Buffer.from('{"choices":[],"usage":null,"x":{"prompt_tokens":1}}'))).toBeNull();
    expect(usageOf(Buffer.from('{"choices":[{"text":"\\"usage\\": {\\"prompt_tokens\\": 1}"}]}'))).toBeNull();
  });

  it('reads a mapped answer and a stream chunk given as text or as an object', () => {
    expect(usageOf({ usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } })).toEqual({
      prompt_tokens: 2,
      completion_tokens: 1,
      total_tokens: 3,
    });
    expect(usageOf('{"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}')).toEqual({
      prompt_tokens: 2,
      completion_tokens: 1,
      total_tokens: 3,
    });
    // Embeddings report no completion tokens.
    expect(usageOf({ usage: { prompt_tokens: 2, total_tokens: 2 } })).toEqual({ prompt_tokens: 2, completion_tokens: 0, total_tokens: 2 });
    expect(usageOf({ choices: [] })).toBeNull();
    expect(usageOf(undefined)).toBeNull();
  });
});

describe('modelOf', () => {
  it('reads the model a passthrough answer names, not one quoted in its content', () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'x', model: 'gpt-4o-2024-08-06', choices: [{ message: { content: '"model": "fake"' } }] }),
    );
    expect(modelOf(body)).toBe('gpt-4o-2024-08-06');
    expect(modelOf(Buffer.from(JSON.stringify({ choices: [{ message: { content: '"model": "fake"' } }] })))).toBeNull();
  });

  it('reads a mapped answer and a stream chunk given as text or as an object', () => {
    expect(modelOf({ model: 'claude-sonnet-4-5' })).toBe('claude-sonnet-4-5');
    expect(modelOf('{"object":"chat.completion.chunk","model":"m-1","choices":[]}')).toBe('m-1');
    expect(modelOf({ model: '' })).toBeNull();
    expect(modelOf(undefined)).toBeNull();
  });
});
