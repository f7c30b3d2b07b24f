import type { Operation } from '@switchboard/providers';

/** What is wrong with a request body, named by the field a client must fix. */
export interface Invalid {
  param: string | null;
  message: string;
}

type Body = Record<string, unknown>;
type Check = (body: Body) => Invalid | undefined;

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * Hand-written checks, run on every request: only the fields the gateway or every upstream
 * relies on, by type. Unknown fields are not ours to judge; they pass through untouched.
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
  ['stream_options', isObject, 'an object'],
  ['tools', Array.isArray, 'an array'],
  ['response_format', isObject, 'an object'],
];

export function validateChat(body: unknown): Invalid | undefined {
  return validate(body, checkMessages);
}

export function validateCompletions(body: unknown): Invalid | undefined {
  return validate(body, (b) => {
    const prompt = b.prompt;
    if (prompt === undefined) return missing('prompt');
    if (typeof prompt === 'string' || (Array.isArray(prompt) && prompt.length > 0)) return undefined;
    return { param: 'prompt', message: "'prompt' must be a string or a non-empty array." };
  });
}

export function validateEmbeddings(body: unknown): Invalid | undefined {
  return validate(body, (b) => {
    const input = b.input;
    if (input === undefined) return missing('input');
    if ((typeof input === 'string' && input.length > 0) || (Array.isArray(input) && input.length > 0)) return undefined;
    return { param: 'input', message: "'input' must be a non-empty string or a non-empty array." };
  });
}

export const VALIDATORS: Record<Exclude<Operation, 'models'>, (body: unknown) => Invalid | undefined> = {
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
    if (value !== undefined && value !== null && !ok(value)) {
      return { param: field, message: `Invalid type for '${field}': expected ${expected}, but got ${describe(value)}.` };
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
    const message: unknown = messages[i];
    if (!isObject(message)) return { param: `messages[${i}]`, message: `Invalid type for 'messages[${i}]': expected an object.` };
    const role = message.role;
    if (role === undefined) return missing(`messages[${i}].role`);
    if (typeof role !== 'string' || !ROLES.has(role)) {
      return {
        param: `messages[${i}].role`,
        message: `Invalid value for 'messages[${i}].role': expected one of ${[...ROLES].join(', ')}.`,
      };
    }
  }
  return undefined;
}

function missing(param: string): Invalid {
  return { param, message: `Missing required parameter: '${param}'.` };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
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
function isStop(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.every(isString));
}
