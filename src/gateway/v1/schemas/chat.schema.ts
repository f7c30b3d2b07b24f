import { JSON_SCHEMA_OBJECT, MODEL, SAMPLING, when, type RequestSchema } from './request-schema';

/**
 * `POST /v1/chat/completions`: only the fields the gateway or a provider's mapper relies on are
 * held to a shape (a mapper reading `content.map` or `tool.function.name` must never meet a number
 * or a null there); the numeric fields to OpenAI's own bounds, so `n: 1e9` never reaches an
 * upstream. Unknown fields are not ours to judge and pass through untouched, as do open sets
 * (content part types, tool types) a newer client may send. A documented optional field may be
 * null: clients send null for "not set".
 */
const contentPart: RequestSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', description: 'text, image_url, input_audio, file, ...' },
    text: { type: 'string' },
    // `{url, detail?}`, or the bare url some clients send.
    image_url: {
      type: ['object', 'string'],
      required: ['url'],
      properties: {
        url: { type: 'string', description: 'http(s) or data: URL' },
        detail: { type: 'string', description: 'auto, low or high' },
      },
    },
    input_audio: { type: 'object' },
  },
  allOf: [when('type', 'text', { required: ['text'] }), when('type', 'image_url', { required: ['image_url'] })],
};

const toolCall: RequestSchema = {
  type: 'object',
  required: ['function'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: ['function'] },
    function: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, arguments: { type: 'string', description: 'JSON text' } },
    },
  },
};

const message: RequestSchema = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
    content: { type: ['string', 'array', 'null'], items: contentPart, description: 'Text, or an array of content parts' },
    name: { type: 'string' },
    tool_calls: { type: ['array', 'null'], items: toolCall },
    tool_call_id: { type: 'string' },
  },
  allOf: [
    // Only an assistant turn may leave content out (its tool calls speak instead).
    { if: { properties: { role: { enum: ['assistant'] } } }, else: { required: ['content'] } },
    when('role', 'tool', { required: ['tool_call_id'] }),
  ],
};

const functionTool: RequestSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    parameters: JSON_SCHEMA_OBJECT,
    strict: { type: ['boolean', 'null'] },
  },
};

const tool: RequestSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', description: 'function, or a tool type a provider defines' }, function: functionTool },
  allOf: [when('type', 'function', { required: ['function'] })],
};

const toolChoice: RequestSchema = {
  description:
    "'none', 'auto', 'required', or an object naming a function (what each provider type does with it: docs/provider-features.md)",
  anyOf: [
    { type: 'string', enum: ['none', 'auto', 'required'] },
    {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string' },
        function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      },
      allOf: [when('type', 'function', { required: ['function'] })],
    },
    { type: 'null' },
  ],
};

const responseFormat: RequestSchema = {
  type: ['object', 'null'],
  description: 'json_schema and json_object on every provider type: translated, or emulated on Anthropic (docs/provider-features.md)',
  required: ['type'],
  properties: {
    type: { type: 'string', description: 'text, json_object or json_schema' },
    json_schema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        description: { type: 'string' },
        schema: JSON_SCHEMA_OBJECT,
        strict: { type: ['boolean', 'null'] },
      },
    },
  },
};

export const CHAT_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: MODEL,
    messages: { type: 'array', minItems: 1, items: message },
    ...SAMPLING,
    tools: { type: ['array', 'null'], items: tool },
    tool_choice: toolChoice,
    parallel_tool_calls: {
      type: ['boolean', 'null'],
      description: 'false: Anthropic disable_parallel_tool_use; accepted on Gemini; refused on Cohere',
    },
    response_format: responseFormat,
    reasoning_effort: { type: ['string', 'null'], description: 'minimal, low, medium or high' },
  },
};
