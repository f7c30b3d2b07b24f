import { reply, type Behaviour, type RecordedRequest } from '../../support/scripted-upstream';
import type { Received, Reply } from '../../support/provider-upstreams';

/**
 * Upstreams that answer like a model would for the client tests: a JSON answer when the request
 * asks for structured output (in the provider's own way: `response_format`, Anthropic's forced
 * answer tool, Gemini's `responseMimeType`), a call of the first offered tool, and once the tool's
 * result is back a text that quotes it, so a round trip shows what reached the model.
 */
export interface Script {
  /** The structured answer. */
  object: Record<string, unknown>;
  /** The arguments of the tool call. */
  toolArgs: Record<string, unknown>;
  text: string;
}

type Json = Record<string, unknown>;
const asJson = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof asJson(p).text === 'string' ? (asJson(p).text as string) : '')).join('');
  return '';
}

/** OpenAI-compatible chat (the scripted upstream). */
export function openAiModel(script: Script): Behaviour {
  return reply.fn((req: RecordedRequest) => {
    const body = asJson(req.body);
    const messages = (body.messages as Json[]) ?? [];
    const last = messages[messages.length - 1] ?? {};
    const format = asJson(body.response_format).type;
    const base = { id: 'chatcmpl-smart', created: 1700000000, model: String(body.model) };
    let message: Json;
    let finish = 'stop';
    if (format === 'json_schema' || format === 'json_object') message = { role: 'assistant', content: JSON.stringify(script.object) };
    else if (Array.isArray(body.tools) && body.tools.length && last.role !== 'tool') {
      const name = asJson(asJson((body.tools as Json[])[0]).function).name as string;
      message = {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_smart_1', type: 'function', function: { name, arguments: JSON.stringify(script.toolArgs) } }],
      };
      finish = 'tool_calls';
    } else if (last.role === 'tool') message = { role: 'assistant', content: `The tool said: ${textOfContent(last.content)}` };
    else message = { role: 'assistant', content: script.text };
    if (body.stream !== true)
      return reply.json({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage });
    const chunk = (delta: Json, finish_reason: string | null = null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason }],
    });
    const events: Array<string | object> = [chunk({ role: 'assistant', content: '' })];
    if (message.tool_calls) {
      const call = (message.tool_calls as Json[])[0];
      const fn = asJson(call.function);
      const args = String(fn.arguments);
      events.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: fn.name, arguments: '' } }] }));
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, 5) } }] }));
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(5) } }] }));
    } else {
      for (const piece of String(message.content).match(/.{1,6}/gs) ?? []) events.push(chunk({ content: piece }));
    }
    events.push(chunk({}, finish));
    if (asJson(body.stream_options).include_usage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    events.push('[DONE]');
    return reply.sse(events);
  });
}

/** Anthropic Messages (a provider upstream responder). */
export function anthropicModel(script: Script): (req: Received) => Reply {
  return (req) => {
    const body = asJson(req.body);
    const messages = (body.messages as Json[]) ?? [];
    if (req.url === '/v1/messages/count_tokens') return { json: { input_tokens: 10 * messages.length + (body.tools ? 100 : 0) } };
    const last = messages[messages.length - 1] ?? {};
    const results = Array.isArray(last.content) ? (last.content as Json[]).filter((b) => b.type === 'tool_result') : [];
    const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
    const answerTool = tools.find((t) => t.name === 'json_answer');
    let block: Json;
    if (answerTool) block = { type: 'tool_use', id: 'toolu_answer', name: 'json_answer', input: script.object };
    else if (tools.length && !results.length)
      block = { type: 'tool_use', id: 'toolu_smart_1', name: tools[0].name, input: script.toolArgs };
    else if (results.length) block = { type: 'text', text: `The tool said: ${textOfContent(results[0].content)}` };
    else block = { type: 'text', text: script.text };
    const stop = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
    const message = {
      id: 'msg_smart',
      type: 'message',
      role: 'assistant',
      model: String(body.model),
      content: [block],
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 7 },
    };
    if (body.stream !== true) return { json: message };
    const events: Json[] = [
      { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 11, output_tokens: 1 } } },
      {
        type: 'content_block_start',
        index: 0,
        content_block: block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} },
      },
    ];
    const piece = (text: string) =>
      block.type === 'text' ? { type: 'text_delta', text } : { type: 'input_json_delta', partial_json: text };
    const whole = block.type === 'text' ? String(block.text) : JSON.stringify(block.input);
    for (const part of whole.match(/.{1,6}/gs) ?? []) events.push({ type: 'content_block_delta', index: 0, delta: piece(part) });
    events.push(
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    );
    return { sse: events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('') };
  };
}

/** Gemini generateContent / streamGenerateContent (a provider upstream responder). */
export function geminiModel(script: Script): (req: Received) => Reply {
  return (req) => {
    const body = asJson(req.body);
    const contents = (body.contents as Json[]) ?? [];
    const lastParts = (asJson(contents[contents.length - 1]).parts as Json[]) ?? [];
    const response = lastParts.map((p) => p.functionResponse).find(Boolean);
    const declarations = (asJson((body.tools as Json[] | undefined)?.[0]).functionDeclarations as Json[]) ?? [];
    let part: Json;
    if (asJson(body.generationConfig).responseMimeType === 'application/json') part = { text: JSON.stringify(script.object) };
    else if (declarations.length && !response) part = { functionCall: { name: declarations[0].name, args: script.toolArgs } };
    else if (response) part = { text: `The tool said: ${JSON.stringify(asJson(response).response)}` };
    else part = { text: script.text };
    const answer = {
      candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 7, totalTokenCount: 18 },
      modelVersion: 'gemini-2.0-flash',
    };
    if (!req.url.includes('streamGenerateContent')) return { json: answer };
    return { sse: `data: ${JSON.stringify(answer)}\r\n\r\n` };
  };
}
