import { InvalidRequestError, UnsupportedFeatureError } from '../provider';
import type { ChatCompletionRequest, ChatMessage, ToolCall, ToolChoice, ToolDefinition } from '../shared/openai-wire';
import { contentParts, functionTool, imageUrlOf, stopSequences, textOf, toolCallsOf, type RawPart } from '../shared/request-shape';
import type {
  AnthropicImageBlock,
  AnthropicImageSource,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './anthropic-wire';
import { DEFAULT_MAX_TOKENS } from './endpoint';
import { JSON_ANSWER_TOOL } from './json-answer';

export interface RequestOptions {
  /** The chain entry's model: what Anthropic calls it. */
  model: string;
  stream: boolean;
  /** `max_tokens_default` of the profile: Anthropic requires `max_tokens`, OpenAI clients often omit it. */
  maxTokensDefault?: number;
}

type Turn = { role: 'user' | 'assistant'; blocks: AnthropicRequestBlock[] };

function unsupported(param: string, detail?: string): never {
  throw new UnsupportedFeatureError(param, 'anthropic', detail);
}

function invalid(param: string, detail: string): never {
  throw new InvalidRequestError(param, detail);
}

/**
 * OpenAI chat body -> Anthropic Messages body. What Anthropic cannot honour is refused with
 * `UnsupportedFeatureError` rather than silently dropped, so the router can try another profile.
 */
export function toAnthropicRequest(body: ChatCompletionRequest, opts: RequestOptions): AnthropicRequest {
  refuseUnsupported(body);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = systemPrompt(messages);
  const clientTools = body.tools?.length ? body.tools.map(toTool) : undefined;
  const answerTool = jsonAnswerTool(body.response_format);
  const { tools, toolChoice } = answerTool
    ? withAnswerTool(answerTool, clientTools, body.tool_choice, body.parallel_tool_calls)
    : { tools: clientTools, toolChoice: clientTools ? toToolChoice(body.tool_choice, body.parallel_tool_calls) : undefined };
  const stop = stopSequences(body.stop);
  const user = typeof body.user === 'string' && body.user ? body.user : undefined;
  return {
    model: opts.model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? opts.maxTokensDefault ?? DEFAULT_MAX_TOKENS,
    ...(system ? { system } : {}),
    messages: toMessages(messages),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { top_p: body.top_p } : {}),
    ...(stop.length ? { stop_sequences: stop } : {}),
    ...(tools ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(user ? { metadata: { user_id: user } } : {}),
    ...(opts.stream ? { stream: true } : {}),
  };
}

function refuseUnsupported(body: ChatCompletionRequest): void {
  if (body.n != null && body.n !== 1) unsupported('n', 'Anthropic returns one choice per request');
  if (body.logprobs) unsupported('logprobs');
  if (body.top_logprobs != null) unsupported('top_logprobs');
  if (body.temperature != null && body.temperature > 1) unsupported('temperature', 'Anthropic accepts 0 to 1');
  if (body.presence_penalty) unsupported('presence_penalty');
  if (body.frequency_penalty) unsupported('frequency_penalty');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) unsupported('logit_bias');
  if (Array.isArray(body.modalities) && body.modalities.some((m) => m !== 'text')) unsupported('modalities');
  for (const param of ['audio', 'prediction', 'web_search_options', 'reasoning_effort', 'functions', 'function_call']) {
    if (body[param] != null) unsupported(param);
  }
}

/** Anthropic has one top-level system prompt; every system/developer message joins it, in order. */
function systemPrompt(messages: ChatMessage[]): string {
  return messages
    .map((m, i) => (m.role === 'system' || m.role === 'developer' ? textOf(m.content, `messages[${i}].content`) : ''))
    .filter((text) => text.length > 0)
    .join('\n\n');
}

function toMessages(messages: ChatMessage[]): AnthropicMessage[] {
  const turns: Turn[] = [];
  messages.forEach((message, i) => {
    const turn = toTurn(message, i);
    if (!turn || turn.blocks.length === 0) return;
    const last = turns[turns.length - 1];
    // Anthropic requires alternating roles: consecutive same-role turns (e.g. several tool results) merge.
    if (last && last.role === turn.role) last.blocks.push(...turn.blocks);
    else turns.push(turn);
  });
  return turns.map(({ role, blocks }) => ({ role, content: compact(blocks) }));
}

function compact(blocks: AnthropicRequestBlock[]): AnthropicMessage['content'] {
  return blocks.length === 1 && blocks[0].type === 'text' ? blocks[0].text : blocks;
}

function toTurn(message: ChatMessage, i: number): Turn | undefined {
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined;
    case 'user':
      return { role: 'user', blocks: contentBlocks(message.content, `messages[${i}].content`) };
    case 'assistant':
      return {
        role: 'assistant',
        blocks: [
          ...contentBlocks(message.content, `messages[${i}].content`),
          ...toolCallsOf(message.tool_calls, `messages[${i}].tool_calls`).map((call, j) =>
            toToolUse(call, `messages[${i}].tool_calls[${j}]`),
          ),
        ],
      };
    case 'tool':
      return {
        role: 'user',
        blocks: [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id || invalid(`messages[${i}].tool_call_id`, 'a tool message answers a tool call by its id'),
            content: toolResultContent(message.content, `messages[${i}].content`),
          },
        ],
      };
    default:
      return unsupported(`messages[${i}].role`, `role '${String(message.role)}'`);
  }
}

function contentBlocks(content: ChatMessage['content'], path: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  return contentParts(content, path).flatMap((part, j) => partBlocks(part, `${path}[${j}]`));
}

/** Anthropic rejects empty text blocks, so empty parts vanish rather than fail upstream. */
function partBlocks(part: RawPart, path: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (part.type === 'text') return part.text ? [{ type: 'text', text: part.text as string }] : [];
  if (part.type === 'image_url') return [{ type: 'image', source: imageSource(imageUrlOf(part, path).url, path) }];
  if (part.type === 'refusal') return [];
  return unsupported(`${path}.type`, `content part '${part.type}'`);
}

function imageSource(url: string, path: string): AnthropicImageSource {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'base64', media_type: data[1], data: data[2] };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  return unsupported(`${path}.image_url.url`, 'only base64 data: URLs and http(s) URLs');
}

function toolResultContent(content: ChatMessage['content'], path: string): string | Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  const blocks = contentBlocks(content, path);
  return blocks.every((b) => b.type === 'text') ? blocks.map((b) => (b as AnthropicTextBlock).text).join('') : blocks;
}

function toToolUse(call: ToolCall, path: string): AnthropicRequestBlock {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, path) };
}

/** OpenAI carries tool arguments as JSON text; Anthropic wants the object itself. */
function parseArguments(text: string | undefined, path: string): Record<string, unknown> {
  if (!text || !text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unsupported(`${path}.function.arguments`, 'not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return unsupported(`${path}.function.arguments`, 'not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function toTool(tool: ToolDefinition, i: number): AnthropicTool {
  const fn = functionTool(tool, `tools[${i}]`, 'anthropic');
  if (fn.name === JSON_ANSWER_TOOL) unsupported(`tools[${i}].function.name`, `'${JSON_ANSWER_TOOL}' is reserved for structured output`);
  return {
    name: fn.name,
    ...(fn.description ? { description: fn.description } : {}),
    input_schema: fn.parameters ?? { type: 'object', properties: {} },
  };
}

function toToolChoice(choice: ToolChoice | undefined, parallel: unknown): AnthropicToolChoice | undefined {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...serial } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (choice && typeof choice === 'object' && choice.type === 'function') {
    if (!choice.function?.name) return invalid('tool_choice.function.name', 'required');
    return { type: 'tool', name: choice.function.name, ...serial };
  }
  return unsupported('tool_choice', JSON.stringify(choice));
}

/**
 * Structured output, emulated: Anthropic (at anthropic-version 2023-06-01) has no
 * `response_format`, but a tool's `input_schema` constrains the model the same way. The schema
 * becomes the input of a tool the model is made to call; the response mappers turn that call's
 * arguments back into the message content, streamed or not. `strict` is honoured as far as
 * Anthropic's tool use follows a schema (closely, without OpenAI's guarantee).
 */
function jsonAnswerTool(format: ChatCompletionRequest['response_format']): AnthropicTool | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    return { name: JSON_ANSWER_TOOL, description: 'Give your answer as a JSON object.', input_schema: { type: 'object' } };
  }
  if (format.type === 'json_schema') {
    const spec = format.json_schema as { name?: unknown; schema?: unknown; description?: unknown } | undefined;
    if (!spec || typeof spec !== 'object') return invalid('response_format.json_schema', 'required');
    const schema = spec.schema ?? { type: 'object' };
    if (!schema || typeof schema !== 'object' || Array.isArray(schema))
      return invalid('response_format.json_schema.schema', 'expected a JSON Schema object');
    if ((schema as { type?: unknown }).type !== 'object') {
      return unsupported('response_format.json_schema.schema', 'Anthropic structured output takes an object schema at the top level');
    }
    const name = typeof spec.name === 'string' && spec.name ? ` '${spec.name}'` : '';
    const about = typeof spec.description === 'string' && spec.description ? ` ${spec.description}` : '';
    return {
      name: JSON_ANSWER_TOOL,
      description: `Give your answer as the JSON object${name}.${about}`,
      input_schema: schema as Record<string, unknown>,
    };
  }
  return unsupported('response_format', `type '${(format as { type: string }).type}'`);
}

/**
 * Alone, the answer tool is forced (one call of it). Beside the client's tools the model must
 * call one of them or answer through it; a client's own choice of one function stands.
 */
function withAnswerTool(
  answer: AnthropicTool,
  clientTools: AnthropicTool[] | undefined,
  choice: ToolChoice | undefined,
  parallel: unknown,
): { tools: AnthropicTool[]; toolChoice: AnthropicToolChoice } {
  const forced: AnthropicToolChoice = { type: 'tool', name: JSON_ANSWER_TOOL, disable_parallel_tool_use: true };
  if (!clientTools || choice === 'none') return { tools: [answer], toolChoice: forced };
  const own = toToolChoice(choice, parallel);
  if (own?.type === 'tool') return { tools: [...clientTools, answer], toolChoice: own };
  return {
    tools: [...clientTools, answer],
    toolChoice: { type: 'any', ...(parallel === false ? { disable_parallel_tool_use: true } : {}) },
  };
}
