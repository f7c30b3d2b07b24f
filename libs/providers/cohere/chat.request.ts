import { InvalidRequestError, UnsupportedFeatureError } from '../provider';
import {
  contentParts,
  definedField,
  OPENAI_ONLY_FIELDS,
  refuseFields,
  stopSequences,
  functionTool,
  imageUrlOf,
  textOf,
  toolCallsOf,
  type ChatCompletionRequest,
  type ChatMessage,
  type ToolChoice,
  type ToolDefinition,
} from '../shared';
import type { CohereChatRequest, CohereContentPart, CohereMessage, CohereTool } from './cohere-wire';

/** Beyond what no translating adapter can express: Cohere has no reasoning switch. */
const UNSUPPORTED = [...OPENAI_ONLY_FIELDS, 'reasoning_effort'];

export function toCohereChat(body: ChatCompletionRequest, model: string, stream: boolean): CohereChatRequest {
  rejectUnsupported(body);
  const stop = stopSequences(body.stop);
  const { tools, toolChoice } = toolsAndChoice(body.tools, body.tool_choice);
  return {
    model,
    messages: body.messages.map(toMessage),
    stream,
    ...(tools?.length ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...definedField('temperature', body.temperature),
    ...definedField('p', body.top_p),
    ...definedField('max_tokens', body.max_completion_tokens ?? body.max_tokens),
    ...(stop.length ? { stop_sequences: stop } : {}),
    ...definedField('seed', body.seed),
    ...definedField('frequency_penalty', body.frequency_penalty),
    ...definedField('presence_penalty', body.presence_penalty),
    ...responseFormat(body),
  };
}

function rejectUnsupported(body: ChatCompletionRequest): void {
  refuseFields(body, UNSUPPORTED, 'cohere');
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new UnsupportedFeatureError('n', 'cohere', 'one choice per request');
  if (body.parallel_tool_calls === false) {
    throw new UnsupportedFeatureError('parallel_tool_calls', 'cohere', 'Cohere cannot be told to call one function at a time');
  }
}

function responseFormat(body: ChatCompletionRequest): Pick<CohereChatRequest, 'response_format'> {
  const format = body.response_format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { response_format: { type: 'json_object' } };
  if (format.type === 'json_schema') {
    const schema = format.json_schema?.schema;
    return { response_format: { type: 'json_object', ...(schema ? { json_schema: schema } : {}) } };
  }
  throw new UnsupportedFeatureError('response_format', 'cohere', `type '${(format as { type: string }).type}'`);
}

/** Cohere has no "this one function" choice: offering only that function and requiring a call is the same. */
function toolsAndChoice(defs: ToolDefinition[] | undefined, choice: ToolChoice | undefined) {
  const tools = defs?.map(toTool);
  if (choice === undefined || choice === 'auto') return { tools };
  if (choice === 'none') return { tools, toolChoice: 'NONE' as const };
  if (choice === 'required') return { tools, toolChoice: 'REQUIRED' as const };
  if (typeof choice === 'object' && choice?.type === 'function') {
    const name = choice.function?.name;
    if (typeof name !== 'string' || !name) throw new InvalidRequestError('tool_choice.function.name', 'required');
    const only = tools?.filter((t) => t.function.name === name);
    if (!only?.length) throw new UnsupportedFeatureError('tool_choice', 'cohere', `no tool named '${name}'`);
    return { tools: only, toolChoice: 'REQUIRED' as const };
  }
  throw new UnsupportedFeatureError('tool_choice', 'cohere');
}

function toTool(tool: ToolDefinition, i: number): CohereTool {
  const { name, description, parameters } = functionTool(tool, `tools[${i}]`, 'cohere');
  return { type: 'function', function: { name, ...(description ? { description } : {}), ...(parameters ? { parameters } : {}) } };
}

function toMessage(message: ChatMessage, i: number): CohereMessage {
  const contentPath = `messages[${i}].content`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message.content, contentPath) };
    case 'user':
      return { role: 'user', content: userContent(message.content, contentPath) };
    case 'assistant': {
      const text = textOf(message.content, contentPath);
      const calls = toolCallsOf(message.tool_calls, `messages[${i}].tool_calls`);
      // With tool calls, Cohere calls the accompanying text the tool plan.
      if (calls.length) {
        return {
          role: 'assistant',
          ...(text ? { tool_plan: text } : {}),
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.function.name, arguments: c.function.arguments },
          })),
        };
      }
      return { role: 'assistant', content: text };
    }
    case 'tool':
      if (typeof message.tool_call_id !== 'string' || !message.tool_call_id) {
        throw new InvalidRequestError(`messages[${i}].tool_call_id`, 'a tool message answers a tool call by its id');
      }
      return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content, contentPath) };
    default:
      throw new UnsupportedFeatureError(`messages[${i}].role`, 'cohere', `role '${String(message.role)}'`);
  }
}

function userContent(content: ChatMessage['content'], param: string): string | CohereContentPart[] {
  if (typeof content === 'string') return content;
  return contentParts(content, param).map((part, j): CohereContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text as string };
    if (part.type === 'image_url') return { type: 'image_url', image_url: imageUrlOf(part, `${param}[${j}]`) };
    throw new UnsupportedFeatureError(`${param}[${j}].type`, 'cohere', `content part '${part.type}'`);
  });
}
