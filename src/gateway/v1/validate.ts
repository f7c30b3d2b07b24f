import type { Operation } from '@switchboard/providers';

/** What is wrong with a request body, named by the field a client must fix. */
export interface Invalid {
  param: string | null;
  message: string;
}

type Body = Record<string, unknown>;
type Check = (body: Body) => Invalid | undefined;

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const TOOL_CHOICES = new Set(['none', 'auto', 'required']);

/**
 * Hand-written checks, run on every request: only the fields the gateway or a provider's mapper
 * relies on, by shape (a mapper reading `content.map` or `tool.function.name` must never meet a
 * number or a null there). Unknown fields are not ours to judge; they pass through untouched.
 */
const COMMON: Array<[string, (value: unknown) => boolean, string]> = [
  ['stream', isBoolean, 'a boolean'],
  ['temperature', isNumber, 'a number'],
  ['top_p', isNumber, 'a number'],
  ['presence_penalty', isNumber, 'a number'],
  ['frequency_penalty', isNumber, 'a number'],
  ['n', isPositiveInteger, 'a positive integer'],
  ['max_tokens', isPositiveInteger, 'a positive integer'],
  ['max_completion_tokens', isPositiveInteger, 'a positive integer'],
  ['seed', Number.isInteger, 'an integer'],
  ['stop', isStop, 'a string or an array of strings'],
  ['user', isString, 'a string'],
  ['stream_options', isStreamOptions, "an object (with a boolean 'include_usage')"],
  ['tools', Array.isArray, 'an array'],
  ['tool_choice', isToolChoice, "'none', 'auto', 'required' or an object naming a function"],
  ['parallel_tool_calls', isBoolean, 'a boolean'],
  ['response_format', isResponseFormat, "an object with a string 'type'"],
  ['logprobs', isBoolean, 'a boolean'],
  ['top_logprobs', isNonNegativeInteger, 'a non-negative integer'],
  ['logit_bias', isObject, 'an object'],
  ['dimensions', isPositiveInteger, 'a positive integer'],
];

/** OpenAI's own bounds on numeric fields (checked once the type is right), so `n: 1e9` never reaches an upstream. */
const BOUNDS: Array<[string, number, number]> = [
  ['temperature', 0, 2],
  ['top_p', 0, 1],
  ['presence_penalty', -2, 2],
  ['frequency_penalty', -2, 2],
  ['n', 1, 128],
  ['top_logprobs', 0, 20],
];

export function validateChat(body: unknown): Invalid | undefined {
  return validate(body, (b) => checkMessages(b) ?? checkTools(b.tools));
}

export function validateCompletions(body: unknown): Invalid | undefined {
  return validate(body, (b) => {
    const prompt = b.prompt;
    if (prompt === undefined) return missing('prompt');
    if (typeof prompt === 'string' || (Array.isArray(prompt) && prompt.length > 0 && isTextOrTokens(prompt))) return undefined;
    return { param: 'prompt', message: "'prompt' must be a string, or a non-empty array of strings or of token arrays." };
  });
}

export function validateEmbeddings(body: unknown): Invalid | undefined {
  return validate(body, (b) => {
    const input = b.input;
    if (input === undefined) return missing('input');
    if ((typeof input === 'string' && input.length > 0) || (Array.isArray(input) && input.length > 0 && isTextOrTokens(input))) {
      return undefined;
    }
    return { param: 'input', message: "'input' must be a non-empty string, or a non-empty array of strings or of token arrays." };
  });
}

export const VALIDATORS: Record<Exclude<Operation, 'models' | 'count_tokens'>, (body: unknown) => Invalid | undefined> = {
  chat: validateChat,
  completions: validateCompletions,
  embeddings: validateEmbeddings,
};

function validate(body: unknown, specific: Check): Invalid | undefined {
  if (!isObject(body)) return { param: null, message: 'The request body must be a JSON object.' };
  const model = body.model;
  if (model === undefined) return missing('model');
  if (typeof model !== 'string' || model.length === 0) return { param: 'model', message: "'model' must be a non-empty string." };
  const problem = specific(body);
  if (problem) return problem;
  for (const [field, ok, expected] of COMMON) {
    const value = body[field];
    if (value !== undefined && value !== null && !ok(value)) return wrongType(field, expected, value);
  }
  for (const [field, min, max] of BOUNDS) {
    const value = body[field];
    if (typeof value === 'number' && (value < min || value > max)) {
      return { param: field, message: `Invalid '${field}': expected a value from ${min} to ${max}, but got ${value}.` };
    }
  }
  return undefined;
}

function checkMessages(body: Body): Invalid | undefined {
  const messages = body.messages;
  if (messages === undefined) return missing('messages');
  if (!Array.isArray(messages) || messages.length === 0) {
    return { param: 'messages', message: "'messages' must be a non-empty array of messages." };
  }
  for (let i = 0; i < messages.length; i++) {
    const problem = checkMessage(messages[i], `messages[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** OpenAI's own rules for one message: a known role, content of the right shape, tool calls that name a function. */
function checkMessage(message: unknown, at: string): Invalid | undefined {
  if (!isObject(message)) return wrongType(at, 'an object', message);
  const role = message.role;
  if (role === undefined) return missing(`${at}.role`);
  if (typeof role !== 'string' || !ROLES.has(role)) {
    return { param: `${at}.role`, message: `Invalid value for '${at}.role': expected one of ${[...ROLES].join(', ')}.` };
  }
  // Only an assistant turn may leave content out (its tool calls speak instead).
  if (message.content === undefined && role !== 'assistant') return missing(`${at}.content`);
  const content = checkContent(message.content, `${at}.content`);
  if (content) return content;
  if (message.name !== undefined && typeof message.name !== 'string') return wrongType(`${at}.name`, 'a string', message.name);
  const callId = role === 'tool' ? requiredString(message.tool_call_id, `${at}.tool_call_id`) : undefined;
  if (callId) return callId;
  return message.tool_calls === undefined || message.tool_calls === null
    ? undefined
    : checkToolCalls(message.tool_calls, `${at}.tool_calls`);
}

/** A string, null, or an array of part objects each with a string `type` (and the field that type names). */
function checkContent(content: unknown, at: string): Invalid | undefined {
  if (content === undefined || content === null || typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return wrongType(at, 'a string or an array of content parts', content);
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    const here = `${at}[${j}]`;
    if (!isObject(part)) return wrongType(here, 'an object', part);
    const type = requiredString(part.type, `${here}.type`);
    if (type) return type;
    if (part.type === 'text' && typeof part.text !== 'string') return wrongType(`${here}.text`, 'a string', part.text);
    // `{url, detail?}`, or the bare url some clients send.
    if (
      part.type === 'image_url' &&
      typeof part.image_url !== 'string' &&
      !(isObject(part.image_url) && typeof part.image_url.url === 'string')
    ) {
      return wrongType(`${here}.image_url`, "a url or an object with a string 'url'", part.image_url);
    }
    if (part.type === 'input_audio' && !isObject(part.input_audio)) return wrongType(`${here}.input_audio`, 'an object', part.input_audio);
  }
  return undefined;
}

function checkToolCalls(calls: unknown, at: string): Invalid | undefined {
  if (!Array.isArray(calls)) return wrongType(at, 'an array', calls);
  for (let j = 0; j < calls.length; j++) {
    const call: unknown = calls[j];
    const here = `${at}[${j}]`;
    if (!isObject(call)) return wrongType(here, 'an object', call);
    if (call.id !== undefined && typeof call.id !== 'string') return wrongType(`${here}.id`, 'a string', call.id);
    const fn = call.function;
    if (!isObject(fn)) return fn === undefined ? missing(`${here}.function`) : wrongType(`${here}.function`, 'an object', fn);
    const name = requiredString(fn.name, `${here}.function.name`);
    if (name) return name;
    if (fn.arguments !== undefined && typeof fn.arguments !== 'string') {
      return wrongType(`${here}.function.arguments`, 'a string (JSON text)', fn.arguments);
    }
  }
  return undefined;
}

/** Each tool an object with a string `type`; a function tool names its function. */
function checkTools(tools: unknown): Invalid | undefined {
  if (!Array.isArray(tools)) return undefined; // absent, null, or the COMMON type check's to report
  for (let j = 0; j < tools.length; j++) {
    const tool: unknown = tools[j];
    const here = `tools[${j}]`;
    if (!isObject(tool)) return wrongType(here, 'an object', tool);
    const type = requiredString(tool.type, `${here}.type`);
    if (type) return type;
    if (tool.type !== 'function') continue;
    const fn = tool.function;
    if (!isObject(fn)) return fn === undefined ? missing(`${here}.function`) : wrongType(`${here}.function`, 'an object', fn);
    const name = requiredString(fn.name, `${here}.function.name`);
    if (name) return name;
    if (fn.parameters !== undefined && !isObject(fn.parameters)) {
      return wrongType(`${here}.function.parameters`, 'an object', fn.parameters);
    }
  }
  return undefined;
}

function missing(param: string): Invalid {
  return { param, message: `Missing required parameter: '${param}'.` };
}

function requiredString(value: unknown, param: string): Invalid | undefined {
  if (typeof value === 'string') return undefined;
  return value === undefined ? missing(param) : wrongType(param, 'a string', value);
}

function wrongType(param: string, expected: string, value: unknown): Invalid {
  return { param, message: `Invalid type for '${param}': expected ${expected}, but got ${describe(value)}.` };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isBoolean(value: unknown): boolean {
  return typeof value === 'boolean';
}
function isNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}
function isString(value: unknown): boolean {
  return typeof value === 'string';
}
function isPositiveInteger(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0;
}
function isNonNegativeInteger(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0;
}
function isToolChoice(value: unknown): boolean {
  if (typeof value === 'string') return TOOL_CHOICES.has(value);
  if (!isObject(value) || typeof value.type !== 'string') return false;
  return value.type !== 'function' || (isObject(value.function) && typeof value.function.name === 'string');
}
function isResponseFormat(value: unknown): boolean {
  return isObject(value) && typeof value.type === 'string';
}
function isStreamOptions(value: unknown): boolean {
  return isObject(value) && (value.include_usage === undefined || value.include_usage === null || isBoolean(value.include_usage));
}
/** OpenAI's array forms of a prompt or an embedding input: strings, one token array, or token arrays. */
function isTextOrTokens(items: unknown[]): boolean {
  if (items.every(isString)) return true;
  if (items.every(Number.isInteger)) return true;
  return items.every((item) => Array.isArray(item) && item.length > 0 && item.every(Number.isInteger));
}
function isStop(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.every(isString));
}
