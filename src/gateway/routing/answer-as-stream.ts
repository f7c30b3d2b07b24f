type Json = Record<string, unknown>;

/**
 * A whole OpenAI answer re-said as the chunks a stream of it would have carried, for an upstream
 * that answered `stream: true` with plain JSON (some compatible hosts ignore the flag): the client
 * asked for a stream and still gets the answer, as one. `undefined` when the body is no answer
 * (no choices): then it is the upstream's failure.
 */
export function answerAsChunks(answer: unknown): Json[] | undefined {
  if (!isRecord(answer) || !Array.isArray(answer.choices) || answer.choices.length === 0) return undefined;
  const choices = answer.choices.filter(isRecord);
  if (choices.length !== answer.choices.length) return undefined;
  const usage = isRecord(answer.usage) ? [{ ...answer, choices: [], usage: answer.usage }] : [];
  // A legacy completion's stream chunks have the same shape as the completion itself.
  if (answer.object === 'text_completion') return [{ ...answer, usage: undefined }, ...usage];
  if (!choices.every((choice) => isRecord(choice.message))) return undefined;
  const base = { id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model };
  const chunks: Json[] = choices.map((choice) => ({
    ...base,
    choices: [{ index: choice.index ?? 0, delta: delta(choice.message as Json), finish_reason: null }],
  }));
  chunks.push({
    ...base,
    choices: choices.map((choice) => ({ index: choice.index ?? 0, delta: {}, finish_reason: choice.finish_reason ?? 'stop' })),
  });
  return [...chunks, ...usage];
}

/** A message as one delta; streamed tool calls carry their position as `index`. */
function delta(message: Json): Json {
  const out: Json = { role: message.role ?? 'assistant', content: message.content ?? '' };
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls.map((call: unknown, index) => (isRecord(call) ? { index, ...call } : call));
  }
  if (typeof message.refusal === 'string') out.refusal = message.refusal;
  return out;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
