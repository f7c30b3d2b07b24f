import { InvalidRequestError, type ChatCompletionRequest, type ChatMessage, type ContentPart, type ToolCall } from '@switchboard/providers';
import type { FunctionTool, InputContentPart, InputItem, ResponsesRequest, ResponsesToolChoice, TextFormat } from './responses-wire';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Fields of the Responses API the gateway cannot serve through chat completions: a 400 names them. */
const REFUSED: Array<[string, string]> = [
  ['background', 'background responses are not served by the gateway'],
  ['conversation', 'conversations are not kept by the gateway; use previous_response_id'],
  ['prompt', 'stored prompt templates are not served by the gateway'],
  ['top_logprobs', 'log probabilities are not served on /v1/responses'],
];

/**
 * The ids of `item_reference` items in the input: the front end reads them from the response
 * store before translating, so the translation itself stays pure.
 */
export function referencedItemIds(req: ResponsesRequest): string[] {
  if (!Array.isArray(req.input)) return [];
  return req.input
    .filter(
      (item): item is { type: 'item_reference'; id: string } =>
        isRecord(item) && item.type === 'item_reference' && typeof item.id === 'string',
    )
    .map((item) => item.id);
}

/**
 * The whole conversation this request continues, as Responses items: the stored turns of
 * `previous_response_id` (its input, then its output), then this request's input with every
 * `item_reference` replaced by the item it names. This is what a stored response keeps as its
 * input, so a follow-up needs one read. Instructions are not part of it: OpenAI does not carry a
 * previous response's instructions over either.
 */
export function conversationItems(
  req: ResponsesRequest,
  history: readonly InputItem[],
  referenced: ReadonlyMap<string, InputItem>,
): InputItem[] {
  const input = req.input;
  if (input === undefined || input === null) return [...history];
  if (typeof input === 'string') return [...history, { type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input)) throw new InvalidRequestError('input', 'expected a string or an array of input items');
  return [
    ...history,
    ...input.map((item: unknown, i) => {
      if (!isRecord(item)) throw new InvalidRequestError(`input[${i}]`, 'expected an input item object');
      if (item.type !== 'item_reference') return item as InputItem;
      const found = typeof item.id === 'string' ? referenced.get(item.id) : undefined;
      if (!found)
        throw new InvalidRequestError(
          `input[${i}].id`,
          `no stored item '${String(item.id)}' (was its response stored, and is it still kept?)`,
        );
      return found;
    }),
  ];
}

/**
 * Responses request -> chat completion request, for the same alias: the gateway then routes it
 * like any chat request (every provider type, the same chain), and the answer is translated back.
 */
export function toChatRequest(req: ResponsesRequest, conversation: readonly InputItem[]): ChatCompletionRequest {
  for (const [field, why] of REFUSED) {
    const value = req[field];
    if (value !== undefined && value !== null && value !== false) throw new InvalidRequestError(field, why);
  }
  const tools = Array.isArray(req.tools) && req.tools.length ? req.tools.map(toTool) : undefined;
  const format = responseFormat(req.text?.format);
  const instructions = typeof req.instructions === 'string' && req.instructions ? req.instructions : undefined;
  const effort = isRecord(req.reasoning) && typeof req.reasoning.effort === 'string' ? req.reasoning.effort : undefined;
  return {
    model: req.model,
    messages: [...(instructions ? [{ role: 'system' as const, content: instructions }] : []), ...toMessages(conversation)],
    ...(tools ? { tools } : {}),
    ...(tools && req.tool_choice !== undefined && req.tool_choice !== null ? { tool_choice: toToolChoice(req.tool_choice) } : {}),
    ...(tools && typeof req.parallel_tool_calls === 'boolean' ? { parallel_tool_calls: req.parallel_tool_calls } : {}),
    ...(format ? { response_format: format } : {}),
    ...(typeof req.max_output_tokens === 'number' ? { max_completion_tokens: req.max_output_tokens } : {}),
    ...(typeof req.temperature === 'number' ? { temperature: req.temperature } : {}),
    ...(typeof req.top_p === 'number' ? { top_p: req.top_p } : {}),
    ...(typeof req.user === 'string' && req.user ? { user: req.user } : {}),
    ...(effort ? { reasoning_effort: effort } : {}),
    ...(req.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

/**
 * Items -> chat messages. An assistant's text and the function calls after it are one chat
 * assistant message (chat puts tool calls on the message), and each function output a `tool`
 * message answering its call.
 */
function toMessages(items: readonly InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  items.forEach((item, i) => {
    const path = `input[${i}]`;
    const type = item.type ?? 'message';
    const last = messages[messages.length - 1];
    switch (type) {
      case 'message': {
        const role = (item as { role?: unknown }).role;
        if (role === 'assistant') {
          const text = textOf((item as { content?: unknown }).content, `${path}.content`);
          messages.push({ role: 'assistant', content: text });
          return;
        }
        if (role === 'system' || role === 'developer') {
          messages.push({ role, content: textOf((item as { content?: unknown }).content, `${path}.content`) });
          return;
        }
        if (role !== 'user') throw new InvalidRequestError(`${path}.role`, "expected 'user', 'assistant', 'system' or 'developer'");
        messages.push({ role: 'user', content: userContent((item as { content?: unknown }).content, `${path}.content`) });
        return;
      }
      case 'function_call': {
        const call = toToolCall(item as Json, path);
        if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        return;
      }
      case 'function_call_output': {
        const output = item as Json;
        if (typeof output.call_id !== 'string' || !output.call_id) throw new InvalidRequestError(`${path}.call_id`, 'required');
        messages.push({ role: 'tool', tool_call_id: output.call_id, content: textOf(output.output, `${path}.output`) });
        return;
      }
      case 'reasoning':
        // Reasoning items carry a model's hidden state; no chat upstream can take it back.
        return;
      default:
        throw new InvalidRequestError(`${path}.type`, `'${String(type)}' items are not served by the gateway`);
    }
  });
  return messages;
}

function toToolCall(item: Json, path: string): ToolCall {
  if (typeof item.call_id !== 'string' || !item.call_id) throw new InvalidRequestError(`${path}.call_id`, 'required');
  if (typeof item.name !== 'string' || !item.name) throw new InvalidRequestError(`${path}.name`, 'required');
  if (item.arguments !== undefined && typeof item.arguments !== 'string')
    throw new InvalidRequestError(`${path}.arguments`, 'expected JSON text');
  return { id: item.call_id, type: 'function', function: { name: item.name, arguments: (item.arguments as string | undefined) ?? '' } };
}

function parts(content: unknown, path: string): InputContentPart[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError(path, 'expected a string or an array of content parts');
  return content.map((part: unknown, j) => {
    if (!isRecord(part) || typeof part.type !== 'string')
      throw new InvalidRequestError(`${path}[${j}]`, "expected a content part with a 'type'");
    return part as InputContentPart;
  });
}

/** The text of a content: its text parts in order (a refusal the client echoes back carries none). */
function textOf(content: unknown, path: string): string {
  return parts(content, path)
    .map((part, j) => {
      if (part.type === 'input_text' || part.type === 'output_text') {
        if (typeof part.text !== 'string') throw new InvalidRequestError(`${path}[${j}].text`, 'expected a string');
        return part.text;
      }
      if (part.type === 'refusal') return '';
      throw new InvalidRequestError(`${path}[${j}].type`, `'${part.type}' content is not served here`);
    })
    .join('');
}

function userContent(content: unknown, path: string): string | ContentPart[] {
  if (typeof content === 'string') return content;
  return parts(content, path).map((part, j): ContentPart => {
    if (part.type === 'input_text' || part.type === 'output_text') {
      if (typeof part.text !== 'string') throw new InvalidRequestError(`${path}[${j}].text`, 'expected a string');
      return { type: 'text', text: part.text };
    }
    if (part.type === 'input_image') {
      if (typeof part.image_url !== 'string' || !part.image_url) {
        throw new InvalidRequestError(
          `${path}[${j}].image_url`,
          'an image is served by URL or data: URL (file ids are not kept by the gateway)',
        );
      }
      const detail =
        part.detail === 'low' || part.detail === 'high' || part.detail === 'auto' ? { detail: part.detail as 'low' | 'high' | 'auto' } : {};
      return { type: 'image_url', image_url: { url: part.image_url, ...detail } };
    }
    throw new InvalidRequestError(`${path}[${j}].type`, `'${part.type}' content is not served by the gateway`);
  });
}

function toTool(tool: FunctionTool, i: number): NonNullable<ChatCompletionRequest['tools']>[number] {
  if (!isRecord(tool)) throw new InvalidRequestError(`tools[${i}]`, 'expected a tool object');
  if (tool.type !== 'function') {
    throw new InvalidRequestError(`tools[${i}].type`, `only function tools are served by the gateway, not '${String(tool.type)}'`);
  }
  if (typeof tool.name !== 'string' || !tool.name) throw new InvalidRequestError(`tools[${i}].name`, 'required');
  if (tool.parameters !== undefined && tool.parameters !== null && !isRecord(tool.parameters)) {
    throw new InvalidRequestError(`tools[${i}].parameters`, 'expected a JSON Schema object');
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      ...(tool.parameters ? { parameters: tool.parameters } : {}),
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    },
  };
}

function toToolChoice(choice: ResponsesToolChoice): NonNullable<ChatCompletionRequest['tool_choice']> {
  if (choice === 'none' || choice === 'auto' || choice === 'required') return choice;
  if (isRecord(choice) && choice.type === 'function') {
    if (typeof choice.name !== 'string' || !choice.name) throw new InvalidRequestError('tool_choice.name', 'required');
    return { type: 'function', function: { name: choice.name } };
  }
  throw new InvalidRequestError('tool_choice', "expected 'none', 'auto', 'required' or {type: 'function', name}");
}

function responseFormat(format: TextFormat | undefined): ChatCompletionRequest['response_format'] {
  if (format === undefined || format === null) return undefined;
  if (!isRecord(format)) throw new InvalidRequestError('text.format', 'expected an object');
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !format.name) throw new InvalidRequestError('text.format.name', 'required');
    if (!isRecord(format.schema)) throw new InvalidRequestError('text.format.schema', 'expected a JSON Schema object');
    return {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
        ...(typeof format.description === 'string' ? { description: format.description } : {}),
      },
    };
  }
  throw new InvalidRequestError('text.format.type', "expected 'text', 'json_object' or 'json_schema'");
}
