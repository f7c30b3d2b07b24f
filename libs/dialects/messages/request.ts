import { InvalidRequestError, type ChatCompletionRequest, type ChatMessage, type ContentPart, type ToolCall } from '@switchboard/providers';
import type { MessagesRequest, Tool, ToolChoice } from './messages-wire';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Anthropic request fields no chat completion can carry to every provider type: a 400 names
 * them rather than drop them silently (an alias may chain OpenAI and Gemini profiles).
 */
const REFUSED: Array<[string, string]> = [
  ['top_k', 'top_k has no equivalent on every provider of a chain'],
  ['container', 'containers are not served by the gateway'],
  ['mcp_servers', 'MCP servers are not served on /v1/messages'],
];

/** Anthropic Messages request -> chat completion request for the same alias. */
export function toChatRequest(req: MessagesRequest): ChatCompletionRequest {
  if (!isRecord(req)) throw new InvalidRequestError('body', 'expected a JSON object');
  for (const [field, why] of REFUSED) {
    if (req[field] !== undefined && req[field] !== null) throw new InvalidRequestError(field, why);
  }
  if (isRecord(req.thinking) && req.thinking.type !== 'disabled') {
    throw new InvalidRequestError('thinking', 'extended thinking has no equivalent on every provider of a chain');
  }
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw new InvalidRequestError('max_tokens', 'required, a positive integer');
  }
  if (!Array.isArray(req.messages)) throw new InvalidRequestError('messages', 'required, an array of messages');
  const system = systemText(req.system);
  const tools = Array.isArray(req.tools) && req.tools.length ? req.tools.map(toTool) : undefined;
  const choice = tools && req.tool_choice !== undefined ? toToolChoice(req.tool_choice) : undefined;
  const stop = Array.isArray(req.stop_sequences) && req.stop_sequences.length ? req.stop_sequences : undefined;
  const user =
    isRecord(req.metadata) && typeof req.metadata.user_id === 'string' && req.metadata.user_id ? req.metadata.user_id : undefined;
  return {
    model: req.model,
    messages: [...(system ? [{ role: 'system' as const, content: system }] : []), ...req.messages.flatMap(toMessages)],
    max_completion_tokens: req.max_tokens,
    ...(tools ? { tools } : {}),
    ...(choice?.tool_choice ? { tool_choice: choice.tool_choice } : {}),
    ...(choice?.serial ? { parallel_tool_calls: false } : {}),
    ...(stop ? { stop } : {}),
    ...(typeof req.temperature === 'number' ? { temperature: req.temperature } : {}),
    ...(typeof req.top_p === 'number' ? { top_p: req.top_p } : {}),
    ...(user ? { user } : {}),
    ...(req.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function systemText(system: MessagesRequest['system']): string {
  if (system === undefined || system === null) return '';
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) throw new InvalidRequestError('system', 'expected a string or an array of text blocks');
  return system
    .map((block: unknown, i) => {
      if (!isRecord(block) || block.type !== 'text' || typeof block.text !== 'string') {
        throw new InvalidRequestError(`system[${i}]`, 'expected a text block');
      }
      return block.text;
    })
    .join('\n\n');
}

/**
 * One Anthropic message -> chat messages. A user turn's tool results become `tool` messages,
 * placed first: chat wants them right after the assistant's calls, before any new user text.
 * An assistant turn's tool_use blocks become its tool calls.
 */
function toMessages(message: unknown, i: number): ChatMessage[] {
  const path = `messages[${i}]`;
  if (!isRecord(message)) throw new InvalidRequestError(path, 'expected a message object');
  const blocks = blocksOf(message.content, `${path}.content`);
  if (message.role === 'assistant') {
    const text = blocks
      .filter((b) => b.type === 'text')
      .map((b) => b.text as string)
      .join('');
    const calls = blocks.flatMap((b, j) => (b.type === 'tool_use' ? [toToolCall(b, `${path}.content[${j}]`)] : []));
    blocks.forEach((b, j) => {
      if (!['text', 'tool_use', 'thinking', 'redacted_thinking'].includes(b.type as string)) {
        throw new InvalidRequestError(`${path}.content[${j}].type`, `'${String(b.type)}' blocks are not served in assistant turns`);
      }
    });
    return [{ role: 'assistant', content: text || (calls.length ? null : ''), ...(calls.length ? { tool_calls: calls } : {}) }];
  }
  if (message.role !== 'user') throw new InvalidRequestError(`${path}.role`, "expected 'user' or 'assistant'");
  const results: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((b, j) => {
    const at = `${path}.content[${j}]`;
    if (b.type === 'tool_result') results.push(toToolMessage(b, at));
    else if (b.type === 'text') parts.push({ type: 'text', text: b.text as string });
    else if (b.type === 'image') parts.push(toImagePart(b, at));
    else throw new InvalidRequestError(`${at}.type`, `'${String(b.type)}' blocks are not served by the gateway`);
  });
  if (!parts.length) return results;
  const content = parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : parts;
  return [...results, { role: 'user', content }];
}

function blocksOf(content: unknown, path: string): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError(path, 'expected a string or an array of content blocks');
  return content.map((block: unknown, j) => {
    if (!isRecord(block) || typeof block.type !== 'string')
      throw new InvalidRequestError(`${path}[${j}]`, "expected a content block with a 'type'");
    if (block.type === 'text' && typeof block.text !== 'string') throw new InvalidRequestError(`${path}[${j}].text`, 'expected a string');
    return block;
  });
}

function toToolCall(block: Json, path: string): ToolCall {
  if (typeof block.id !== 'string' || !block.id) throw new InvalidRequestError(`${path}.id`, 'required');
  if (typeof block.name !== 'string' || !block.name) throw new InvalidRequestError(`${path}.name`, 'required');
  const input = block.input === undefined ? {} : block.input;
  if (!isRecord(input)) throw new InvalidRequestError(`${path}.input`, 'expected an object');
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(input) } };
}

/** A tool's result as the text a chat `tool` message carries; an error result says so, as Anthropic's flag would. */
function toToolMessage(block: Json, path: string): ChatMessage {
  if (typeof block.tool_use_id !== 'string' || !block.tool_use_id) throw new InvalidRequestError(`${path}.tool_use_id`, 'required');
  let text: string;
  if (block.content === undefined || block.content === null) text = '';
  else if (typeof block.content === 'string') text = block.content;
  else
    text = blocksOf(block.content, `${path}.content`)
      .map((b, k) => {
        if (b.type !== 'text') throw new InvalidRequestError(`${path}.content[${k}].type`, 'tool results are served as text');
        return b.text as string;
      })
      .join('');
  return { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
}

function toImagePart(block: Json, path: string): ContentPart {
  const source = block.source;
  if (isRecord(source) && source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'url' && typeof source.url === 'string')
    return { type: 'image_url', image_url: { url: source.url } };
  throw new InvalidRequestError(`${path}.source`, 'expected a base64 or url image source');
}

function toTool(tool: Tool, i: number): NonNullable<ChatCompletionRequest['tools']>[number] {
  if (!isRecord(tool)) throw new InvalidRequestError(`tools[${i}]`, 'expected a tool object');
  if (tool.type !== undefined && tool.type !== 'custom') {
    throw new InvalidRequestError(`tools[${i}].type`, `Anthropic's server tool '${String(tool.type)}' is not served by the gateway`);
  }
  if (typeof tool.name !== 'string' || !tool.name) throw new InvalidRequestError(`tools[${i}].name`, 'required');
  if (!isRecord(tool.input_schema)) throw new InvalidRequestError(`tools[${i}].input_schema`, 'required, a JSON Schema object');
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: tool.input_schema,
    },
  };
}

function toToolChoice(choice: ToolChoice): { tool_choice?: ChatCompletionRequest['tool_choice']; serial: boolean } {
  if (!isRecord(choice)) throw new InvalidRequestError('tool_choice', 'expected an object');
  const serial = choice.disable_parallel_tool_use === true;
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', serial };
    case 'any':
      return { tool_choice: 'required', serial };
    case 'none':
      return { tool_choice: 'none', serial: false };
    case 'tool':
      if (typeof choice.name !== 'string' || !choice.name) throw new InvalidRequestError('tool_choice.name', 'required');
      return { tool_choice: { type: 'function', function: { name: choice.name } }, serial };
    default:
      throw new InvalidRequestError('tool_choice.type', "expected 'auto', 'any', 'tool' or 'none'");
  }
}
