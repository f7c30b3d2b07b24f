import { JSON_SCHEMA_OBJECT, type RequestSchema } from './request-schema';

/**
 * `POST /v1/messages` (Anthropic's Messages API): the fields by type, checked before the body is
 * translated. Which block, tool and choice kinds the gateway serves is the translation's to say
 * (`@switchboard/dialects` messages), with a message naming what it refuses and why; the kinds
 * are listed here for the reader, not held to an enum.
 */
const block: RequestSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'text, image, tool_use or tool_result' },
    text: { type: 'string' },
    source: { type: 'object', description: "{type: 'base64', media_type, data} or {type: 'url', url}" },
    id: { type: 'string' },
    name: { type: 'string' },
    input: { type: 'object' },
    tool_use_id: { type: 'string' },
    content: { type: ['string', 'array'], items: { type: 'object' } },
    is_error: { type: 'boolean' },
  },
};

const MODEL: RequestSchema = {
  type: 'string',
  minLength: 1,
  description: 'A configured model alias (any provider types in its chain)',
  examples: ['main-claude'],
};

const SYSTEM: RequestSchema = {
  type: ['string', 'array', 'null'],
  description: 'Text, or an array of text blocks',
  items: { type: 'object', properties: { type: { type: 'string', description: 'text' }, text: { type: 'string' } } },
};

const MESSAGES: RequestSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      role: { type: 'string', description: 'user or assistant' },
      content: { type: ['string', 'array'], items: block },
    },
  },
};

const TOOLS: RequestSchema = {
  type: ['array', 'null'],
  items: {
    type: 'object',
    properties: { name: { type: 'string' }, description: { type: 'string' }, input_schema: JSON_SCHEMA_OBJECT },
  },
};

const TOOL_CHOICE: RequestSchema = {
  type: ['object', 'null'],
  properties: {
    type: { type: 'string', description: 'auto, any, tool or none' },
    name: { type: 'string' },
    disable_parallel_tool_use: { type: 'boolean' },
  },
};

export const MESSAGES_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: MODEL,
    max_tokens: { type: 'integer', minimum: 1 },
    system: SYSTEM,
    messages: MESSAGES,
    tools: TOOLS,
    tool_choice: TOOL_CHOICE,
    stop_sequences: { type: ['array', 'null'], items: { type: 'string' } },
    temperature: { type: ['number', 'null'] },
    top_p: { type: ['number', 'null'] },
    metadata: { type: ['object', 'null'], properties: { user_id: { type: ['string', 'null'] } } },
    stream: { type: ['boolean', 'null'], description: "Answer as Anthropic's event stream (message_start ... message_stop, or error)" },
  },
};

/** `POST /v1/messages/count_tokens`: what a Messages request would send, without an answer budget. */
export const COUNT_TOKENS_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: { model: MODEL, system: SYSTEM, messages: MESSAGES, tools: TOOLS, tool_choice: TOOL_CHOICE },
};
