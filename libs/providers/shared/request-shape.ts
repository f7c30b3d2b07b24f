import { InvalidRequestError, UnsupportedFeatureError, type ProviderType } from '../provider';
import type { ChatCompletionRequest, ToolCall, ToolDefinition } from './openai-wire';

/**
 * The parts of the OpenAI request that every translating adapter reads and none may guess at.
 * The gateway's own validation checks only what every upstream relies on, so a malformed message
 * reaches the mappers; these read it, or throw `InvalidRequestError` naming the field (a 400)
 * instead of failing deep inside a mapper with a TypeError (a 500).
 */

/** A content part: `type` names it, the rest is the part's own (`text`, `image_url`, `input_audio`, ...). */
export type RawPart = { type: string; [field: string]: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A message's content as parts: a string is one text part, null or absent none. */
export function contentParts(content: unknown, path: string): RawPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError(path, 'expected a string or an array of content parts');
  return content.map((part: unknown, j) => {
    if (!isRecord(part) || typeof part.type !== 'string') {
      throw new InvalidRequestError(`${path}[${j}]`, "expected a content part object with a 'type'");
    }
    if (part.type === 'text' && typeof part.text !== 'string') throw new InvalidRequestError(`${path}[${j}].text`, 'expected a string');
    return part as RawPart;
  });
}

/** The text of a message's content: the text parts joined, in order; other parts carry none. */
export function textOf(content: unknown, path: string): string {
  return contentParts(content, path)
    .filter((part) => part.type === 'text')
    .map((part) => part.text as string)
    .join('');
}

/** The url of an `image_url` part: `{url, detail?}`, or the bare string some clients send. */
export function imageUrlOf(part: RawPart, path: string): { url: string; detail?: string } {
  const image = part.image_url;
  if (typeof image === 'string' && image) return { url: image };
  if (isRecord(image) && typeof image.url === 'string' && image.url) {
    return { url: image.url, ...(typeof image.detail === 'string' ? { detail: image.detail } : {}) };
  }
  throw new InvalidRequestError(`${path}.image_url.url`, 'an image_url part needs a url');
}

/**
 * A tool definition's function: it must be there and have a name. Tool types other than
 * `function` (OpenAI's built-in ones) are well-formed but beyond a translating adapter.
 */
export function functionTool(tool: unknown, path: string, providerType: ProviderType): ToolDefinition['function'] {
  if (!isRecord(tool)) throw new InvalidRequestError(path, 'expected a tool object');
  if (typeof tool.type !== 'string') throw new InvalidRequestError(`${path}.type`, 'required');
  if (tool.type !== 'function') throw new UnsupportedFeatureError(`${path}.type`, providerType, `'${tool.type}' tools`);
  const fn = tool.function;
  if (!isRecord(fn)) throw new InvalidRequestError(`${path}.function`, 'a function tool needs its function');
  if (typeof fn.name !== 'string' || !fn.name) throw new InvalidRequestError(`${path}.function.name`, 'required');
  if (fn.parameters !== undefined && fn.parameters !== null && !isRecord(fn.parameters)) {
    throw new InvalidRequestError(`${path}.function.parameters`, 'expected a JSON Schema object');
  }
  return fn as ToolDefinition['function'];
}

/** An assistant tool call, checked: an id, and a function with a name and its arguments as text. */
export function toolCallOf(call: unknown, path: string): ToolCall {
  if (!isRecord(call)) throw new InvalidRequestError(path, 'expected a tool call object');
  const fn = call.function;
  if (!isRecord(fn)) throw new InvalidRequestError(`${path}.function`, 'a tool call needs its function');
  if (typeof fn.name !== 'string' || !fn.name) throw new InvalidRequestError(`${path}.function.name`, 'required');
  if (fn.arguments !== undefined && fn.arguments !== null && typeof fn.arguments !== 'string') {
    throw new InvalidRequestError(`${path}.function.arguments`, 'expected the arguments as JSON text');
  }
  if (typeof call.id !== 'string' || !call.id) throw new InvalidRequestError(`${path}.id`, 'required');
  return call as ToolCall;
}

/** A message's tool calls, each checked (absent or null means none). */
export function toolCallsOf(calls: unknown, path: string): ToolCall[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw new InvalidRequestError(path, 'expected an array of tool calls');
  return calls.map((call: unknown, j) => toolCallOf(call, `${path}[${j}]`));
}

/**
 * OpenAI fields a translating adapter (Cohere, Gemini) has no way to express: it refuses them, so
 * the router skips the profile or answers 400 naming them. Bookkeeping fields for OpenAI's own
 * platform (`user`, `metadata`, `store`, ...) change no answer and are left out silently.
 */
export const OPENAI_ONLY_FIELDS = [
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'functions',
  'function_call',
  'audio',
  'modalities',
  'prediction',
  'web_search_options',
] as const;

/** Throws `UnsupportedFeatureError` for the first of `fields` the request sets to anything but null or false. */
export function refuseFields(body: ChatCompletionRequest, fields: readonly string[], providerType: ProviderType): void {
  for (const field of fields) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== false) throw new UnsupportedFeatureError(field, providerType);
  }
}

/** `{ [key]: value }` when the request set the value, else nothing: an optional field copied only when present. */
export function definedField<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** OpenAI's `stop`, one string or several, as a list (empty when absent). */
export function stopSequences(stop: string | string[] | null | undefined): string[] {
  if (stop === undefined || stop === null) return [];
  return Array.isArray(stop) ? stop : [stop];
}
