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

  it('reads a flat usage from the bytes as JSON.parse of the whole answer reads it, and refuses what JSON refuses', () => {
    const usages = [
      '{"prompt_tokens":12,"completion_tokens":40,"total_tokens":52}',
      '{"total_tokens":52,"prompt_tokens":12}',
      '{"completion_tokens":40,"total_tokens":52}',
      '{"prompt_tokens":1,"prompt_tokens":2,"completion_tokens":0}',
      '{"prompt_tokens":0,"completion_tokens":7,"cached":3}',
      '{"__proto__":1,"prompt_tokens":5}',
      '{"prompt_tokens":999999999999999,"completion_tokens":1}',
      '{"prompt_tokens":12345678901234567,"completion_tokens":1}',
      '{ "prompt_tokens": 3, "completion_tokens": 4 }',
      '{"prompt_tokens":3,"completion_tokens":4,"prompt_tokens_details":null}',
      '{"prompt_tokens":2.5,"completion_tokens":1}',
      '{"prompt_tokens":1e2,"completion_tokens":-1}',
      '{"prompt\\u005ftokens":8,"completion_tokens":1}',
      '{"prompt_tokens":012,"completion_tokens":1}',
      '{"prompt_tokens":12,}',
      '{"prompt_tokens":}',
      '{}',
    ];
    for (const usage of usages) {
      const answer = `{"id":"x","choices":[],"usage":${usage}}`;
      expect({ usage, read: usageOf(Buffer.from(answer)) }).toEqual({ usage, read: usageOf(answer) });
    }
    expect(usageOf(Buffer.from(`{"usage":${usages[0]}}`))).toEqual({ prompt_tokens: 12, completion_tokens: 40, total_tokens: 52 });
    expect(usageOf(Buffer.from(`{"usage":${usages[13]}}`))).toBeNull();
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
