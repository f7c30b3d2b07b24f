import { UnsupportedFeatureError } from '../provider';
import type { ChatCompletionRequest, ChatMessage, ContentPart, ToolCall, ToolChoice, ToolDefinition } from '../shared/openai-wire';
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

/**
 * OpenAI chat body -> Anthropic Messages body. What Anthropic cannot honour is refused with
 * `UnsupportedFeatureError` rather than silently dropped, so the router can try another profile.
 */
export function toAnthropicRequest(body: ChatCompletionRequest, opts: RequestOptions): AnthropicRequest {
  refuseUnsupported(body);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const system = systemPrompt(messages);
  const tools = body.tools?.length ? body.tools.map(toTool) : undefined;
  const toolChoice = tools ? toToolChoice(body.tool_choice, body.parallel_tool_calls) : undefined;
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const user = typeof body.user === 'string' && body.user ? body.user : undefined;
  return {
    model: opts.model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? opts.maxTokensDefault ?? DEFAULT_MAX_TOKENS,
    ...(system ? { system } : {}),
    messages: toMessages(messages),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { top_p: body.top_p } : {}),
    ...(stop?.length ? { stop_sequences: stop } : {}),
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
  if (body.response_format && body.response_format.type !== 'text') {
    unsupported('response_format', `${body.response_format.type} has no Anthropic equivalent`);
  }
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
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .filter((text) => text.length > 0)
    .join('\n\n');
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
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
          ...(message.tool_calls ?? []).map((call, j) => toToolUse(call, `messages[${i}].tool_calls[${j}]`)),
        ],
      };
    case 'tool':
      return {
        role: 'user',
        blocks: [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id ?? unsupported(`messages[${i}].tool_call_id`, 'required'),
            content: toolResultContent(message.content, `messages[${i}].content`),
          },
        ],
      };
    default:
      return unsupported(`messages[${i}].role`, `role '${String(message.role)}'`);
  }
}

function contentBlocks(content: ChatMessage['content'], path: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part, j) => partBlocks(part, `${path}[${j}]`));
}

/** Anthropic rejects empty text blocks, so empty parts vanish rather than fail upstream. */
function partBlocks(part: ContentPart, path: string): Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (part.type === 'text') return part.text ? [{ type: 'text', text: part.text }] : [];
  if (part.type === 'image_url') return [{ type: 'image', source: imageSource(part.image_url?.url, path) }];
  if ((part as { type: string }).type === 'refusal') return [];
  return unsupported(path, `content part '${String((part as { type: unknown }).type)}'`);
}

function imageSource(url: string | undefined, path: string): AnthropicImageSource {
  if (!url) return unsupported(`${path}.image_url.url`, 'missing');
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'base64', media_type: data[1], data: data[2] };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  return unsupported(`${path}.image_url.url`, 'only base64 data: URLs and http(s) URLs');
}

function toolResultContent(content: ChatMessage['content'], path: string): string | Array<AnthropicTextBlock | AnthropicImageBlock> {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
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
  if (tool.type !== 'function' || !tool.function) unsupported(`tools[${i}].type`, `tool type '${String(tool.type)}'`);
  return {
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
}

function toToolChoice(choice: ToolChoice | undefined, parallel: unknown): AnthropicToolChoice | undefined {
  const serial = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...serial } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (choice && typeof choice === 'object' && choice.type === 'function' && choice.function?.name) {
    return { type: 'tool', name: choice.function.name, ...serial };
  }
  return unsupported('tool_choice', JSON.stringify(choice));
}
