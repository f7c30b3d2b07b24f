import { InvalidRequestError, UnsupportedFeatureError } from '../provider';
import {
  contentParts,
  definedField,
  OPENAI_ONLY_FIELDS,
  refuseFields,
  stopSequences,
  imageUrlOf,
  textOf,
  toolCallsOf,
  functionTool,
  type ChatCompletionRequest,
  type ChatMessage,
  type RawPart,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from '../shared';
import type { GeminiContent, GeminiGenerateRequest, GeminiGenerationConfig, GeminiPart, GeminiToolConfig } from './gemini-wire';
import { placeSchema } from './schema';

/** Google's own OpenAI compatibility layer maps `reasoning_effort` to these thinking budgets. */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576 };

export function toGeminiChat(body: ChatCompletionRequest): GeminiGenerateRequest {
  rejectUnsupported(body);
  const system = systemParts(body.messages);
  const tools = body.tools?.length ? [{ functionDeclarations: body.tools.map(functionDeclaration) }] : undefined;
  const toolConfig = body.tool_choice === undefined ? undefined : toToolConfig(body.tool_choice);
  const generationConfig = toGenerationConfig(body);
  return {
    contents: toContents(body.messages),
    ...(system.length ? { systemInstruction: { parts: system } } : {}),
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
    ...(tools ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
  };
}

function rejectUnsupported(body: ChatCompletionRequest): void {
  refuseFields(body, OPENAI_ONLY_FIELDS, 'gemini');
  // `parallel_tool_calls: false` is accepted without a Gemini counterpart: clients (the Vercel AI
  // SDK, LangChain) send it by default, and Gemini has no switch for it; docs/providers.md says so.
  if (body.reasoning_effort !== undefined && !(String(body.reasoning_effort) in THINKING_BUDGET)) {
    throw new UnsupportedFeatureError('reasoning_effort', 'gemini', `unknown effort '${String(body.reasoning_effort)}'`);
  }
}

function toGenerationConfig(body: ChatCompletionRequest): GeminiGenerationConfig & { thinkingConfig?: { thinkingBudget: number } } {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const stop = stopSequences(body.stop);
  return {
    ...definedField('temperature', body.temperature),
    ...definedField('topP', body.top_p),
    ...definedField('maxOutputTokens', maxTokens),
    ...(stop.length ? { stopSequences: stop } : {}),
    ...definedField('candidateCount', body.n),
    ...definedField('presencePenalty', body.presence_penalty),
    ...definedField('frequencyPenalty', body.frequency_penalty),
    ...definedField('seed', body.seed),
    ...responseFormat(body),
    ...(body.reasoning_effort !== undefined ? { thinkingConfig: { thinkingBudget: THINKING_BUDGET[String(body.reasoning_effort)] } } : {}),
  };
}

function responseFormat(body: ChatCompletionRequest): GeminiGenerationConfig {
  const format = body.response_format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { responseMimeType: 'application/json' };
  if (format.type === 'json_schema') {
    const schema = format.json_schema?.schema;
    return { responseMimeType: 'application/json', ...(schema ? placeSchema(schema, 'responseSchema', 'responseJsonSchema') : {}) };
  }
  throw new UnsupportedFeatureError('response_format', 'gemini', `type '${(format as { type: string }).type}'`);
}

function functionDeclaration(tool: ToolDefinition, i: number) {
  const { name, description, parameters } = functionTool(tool, `tools[${i}]`, 'gemini');
  return {
    name,
    ...(description ? { description } : {}),
    ...(parameters && Object.keys(parameters).length ? placeSchema(parameters, 'parameters', 'parametersJsonSchema') : {}),
  };
}

function toToolConfig(choice: ToolChoice): GeminiToolConfig {
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (typeof choice === 'object' && choice?.type === 'function') {
    const name = choice.function?.name;
    if (typeof name !== 'string' || !name) throw new InvalidRequestError('tool_choice.function.name', 'required');
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  }
  throw new UnsupportedFeatureError('tool_choice', 'gemini');
}

function systemParts(messages: ChatMessage[]): GeminiPart[] {
  return messages
    .map((m, i) => (m.role === 'system' || m.role === 'developer' ? { text: textOf(m.content, `messages[${i}].content`) } : { text: '' }))
    .filter((p) => p.text);
}

/** Gemini wants alternating turns: consecutive messages of one role become one turn. */
function toContents(messages: ChatMessage[]): GeminiContent[] {
  const contents: GeminiContent[] = [];
  messages.forEach((message, i) => {
    const turn = toTurn(messages, i);
    if (!turn) return;
    const last = contents[contents.length - 1];
    if (last && last.role === turn.role) contents[contents.length - 1] = { role: last.role, parts: [...last.parts, ...turn.parts] };
    else contents.push(turn);
  });
  return contents;
}

function toTurn(messages: ChatMessage[], i: number): GeminiContent | undefined {
  const message = messages[i];
  switch (message.role) {
    case 'system':
    case 'developer':
      return undefined;
    case 'user':
      return { role: 'user', parts: userParts(message.content, `messages[${i}].content`) };
    case 'assistant': {
      const text = textOf(message.content, `messages[${i}].content`);
      const calls = toolCallsOf(message.tool_calls, `messages[${i}].tool_calls`).map((call, j) =>
        functionCallPart(call, `messages[${i}].tool_calls[${j}]`),
      );
      const parts: GeminiPart[] = [...(text ? [{ text }] : []), ...calls];
      return parts.length ? { role: 'model', parts } : undefined;
    }
    case 'tool':
      return { role: 'user', parts: [{ functionResponse: toolResult(messages, i) }] };
    default:
      throw new UnsupportedFeatureError(`messages[${i}].role`, 'gemini', `role '${String(message.role)}'`);
  }
}

/**
 * A tool call goes back as Gemini made it: with the thought signature of its part (newer thinking
 * models refuse a replayed call without it) and the id Gemini gave it, both from
 * `extra_content.google`. Ids from elsewhere (the gateway's own, another provider's) stay behind:
 * Gemini never saw them.
 */
function functionCallPart(call: ToolCall, path: string): GeminiPart {
  const google = call.extra_content?.google;
  const id = geminiCallId(call);
  return {
    functionCall: {
      ...(id ? { id } : {}),
      name: call.function.name,
      args: parseArguments(call.function.arguments, `${path}.function.arguments`),
    },
    ...(typeof google?.thought_signature === 'string' && google.thought_signature ? { thoughtSignature: google.thought_signature } : {}),
  };
}

function geminiCallId(call: ToolCall | undefined): string | undefined {
  const id = call?.extra_content?.google?.function_call_id;
  return typeof id === 'string' && id ? id : undefined;
}

/** docs/providers.md, "Gemini tool results": name from the matching call, response the content as a JSON object or wrapped. */
function toolResult(messages: ChatMessage[], i: number) {
  const call = callWithId(messages.slice(0, i), messages[i].tool_call_id);
  if (!call) {
    const id = String(messages[i].tool_call_id);
    throw new UnsupportedFeatureError(`messages[${i}].tool_call_id`, 'gemini', `no earlier assistant tool call has id '${id}'`);
  }
  const text = textOf(messages[i].content, `messages[${i}].content`);
  const id = geminiCallId(call);
  return { ...(id ? { id } : {}), name: call.function.name, response: asJsonObject(text) ?? { content: text } };
}

/** The nearest earlier assistant call with that id (checked when its own message was mapped). */
function callWithId(earlier: ChatMessage[], id: string | undefined): ToolCall | undefined {
  for (let k = earlier.length - 1; k >= 0; k--) {
    const calls = earlier[k].role === 'assistant' ? earlier[k].tool_calls : undefined;
    const call = Array.isArray(calls) ? calls.find((c) => c.id === id) : undefined;
    if (call) return call;
  }
  return undefined;
}

function asJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseArguments(args: string | undefined, param: string): Record<string, unknown> {
  if (!args || !args.trim()) return {};
  const parsed = asJsonObject(args);
  if (!parsed) throw new UnsupportedFeatureError(param, 'gemini', 'function arguments must be a JSON object');
  return parsed;
}

/** Gemini rejects a turn without parts: an empty user message still says it spoke. */
function userParts(content: ChatMessage['content'], param: string): GeminiPart[] {
  const parts = contentParts(content, param).map((part, j) => userPart(part, `${param}[${j}]`));
  return parts.length ? parts : [{ text: '' }];
}

function userPart(part: RawPart, param: string): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: part.text as string };
    case 'image_url':
      return mediaPart(imageUrlOf(part, param).url, `${param}.image_url.url`);
    case 'input_audio': {
      const audio = part.input_audio as { data?: unknown; format?: unknown } | undefined;
      if (typeof audio?.data !== 'string' || typeof audio.format !== 'string') {
        throw new InvalidRequestError(`${param}.input_audio`, 'needs data and format');
      }
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    case 'file': {
      const file = part.file as { file_data?: unknown } | undefined;
      if (typeof file?.file_data !== 'string' || !file.file_data)
        throw new UnsupportedFeatureError(`${param}.file`, 'gemini', 'only inline file_data is supported');
      return mediaPart(file.file_data, `${param}.file.file_data`);
    }
    default:
      throw new UnsupportedFeatureError(`${param}.type`, 'gemini', `content part '${String(part.type)}'`);
  }
}

function mediaPart(url: string, param: string): GeminiPart {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { inlineData: { mimeType: data[1], data: data[2] } };
  if (/^https?:\/\//i.test(url)) {
    const mimeType = mimeFromUrl(url);
    return { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } };
  }
  throw new UnsupportedFeatureError(param, 'gemini', 'expected a base64 data: URL or an http(s) URL');
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function mimeFromUrl(url: string): string | undefined {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(pathOf(url))?.[1]?.toLowerCase();
  return extension ? MIME_BY_EXTENSION[extension] : undefined;
}

/** A URL that only looks like one ("http://") names no file type; Gemini judges the fetch itself. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
