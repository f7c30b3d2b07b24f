import type { ApiBodyOptions } from '@nestjs/swagger';

/** An OpenAPI schema object, as @ApiBody takes it (the type is not exported by name). */
type SchemaObject = Extract<ApiBodyOptions, { schema: unknown }>['schema'] & { properties?: Record<string, SchemaObject> };

/**
 * What the /v1 endpoints accept, as the OpenAPI document shows it. Bodies are checked by hand on
 * the request path (`validate.ts`, the dialect translations), which read these same fields; a
 * spec holds the two together for the fields that differ between providers.
 */

const jsonSchemaObject: SchemaObject = { type: 'object', additionalProperties: true, description: 'A JSON Schema' };
const stop: SchemaObject = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }] };

const functionTool: SchemaObject = {
  type: 'object',
  required: ['type', 'function'],
  properties: {
    type: { type: 'string', enum: ['function'] },
    function: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, description: { type: 'string' }, parameters: jsonSchemaObject, strict: { type: 'boolean' } },
    },
  },
};

const contentPart: SchemaObject = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['text', 'image_url'] },
    text: { type: 'string' },
    image_url: {
      type: 'object',
      properties: {
        url: { type: 'string', description: 'http(s) or data: URL' },
        detail: { type: 'string', enum: ['auto', 'low', 'high'] },
      },
    },
  },
};

export const CHAT_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', description: 'A configured model alias (GET /v1/models)', example: 'main-gpt' },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role'],
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: { oneOf: [{ type: 'string' }, { type: 'array', items: contentPart }], nullable: true },
          name: { type: 'string' },
          tool_calls: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                type: { type: 'string', enum: ['function'] },
                function: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'string' } } },
              },
            },
          },
          tool_call_id: { type: 'string' },
        },
      },
    },
    stream: { type: 'boolean', description: 'Answer as server-sent events of chat.completion.chunk, ending with `data: [DONE]`' },
    stream_options: {
      type: 'object',
      properties: { include_usage: { type: 'boolean', description: 'End the stream with a usage-only chunk' } },
    },
    temperature: { type: 'number' },
    top_p: { type: 'number' },
    max_tokens: { type: 'integer', minimum: 1 },
    max_completion_tokens: { type: 'integer', minimum: 1 },
    n: { type: 'integer', minimum: 1 },
    stop,
    seed: { type: 'integer' },
    presence_penalty: { type: 'number' },
    frequency_penalty: { type: 'number' },
    logprobs: { type: 'boolean' },
    top_logprobs: { type: 'integer', minimum: 0 },
    logit_bias: { type: 'object', additionalProperties: { type: 'number' } },
    user: { type: 'string' },
    reasoning_effort: { type: 'string', enum: ['minimal', 'low', 'medium', 'high'] },
    tools: { type: 'array', items: functionTool },
    tool_choice: {
      description: 'What each provider type does with it: docs/provider-features.md',
      oneOf: [
        { type: 'string', enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: {
            type: { type: 'string', enum: ['function'] },
            function: { type: 'object', properties: { name: { type: 'string' } } },
          },
        },
      ],
    },
    parallel_tool_calls: {
      type: 'boolean',
      description: 'false: Anthropic disable_parallel_tool_use; accepted on Gemini; refused on Cohere',
    },
    response_format: {
      description: 'json_schema and json_object on every provider type: translated, or emulated on Anthropic (docs/provider-features.md)',
      oneOf: [
        { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['text', 'json_object'] } } },
        {
          type: 'object',
          required: ['type', 'json_schema'],
          properties: {
            type: { type: 'string', enum: ['json_schema'] },
            json_schema: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string' },
                description: { type: 'string' },
                schema: jsonSchemaObject,
                strict: { type: 'boolean' },
              },
            },
          },
        },
      ],
    },
  },
};

const inputContent: SchemaObject = {
  oneOf: [
    { type: 'string' },
    {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', enum: ['input_text', 'input_image', 'output_text'] },
          text: { type: 'string' },
          image_url: { type: 'string', description: 'http(s) or data: URL' },
          detail: { type: 'string', enum: ['auto', 'low', 'high'] },
        },
      },
    },
  ],
};

export const RESPONSES_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', description: 'A configured model alias', example: 'main-gpt' },
    input: {
      description: 'A string (one user message) or a list of items',
      oneOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              type: { type: 'string', enum: ['message', 'function_call', 'function_call_output', 'item_reference'] },
              role: { type: 'string', enum: ['user', 'assistant', 'system', 'developer'] },
              content: inputContent,
              call_id: { type: 'string' },
              name: { type: 'string' },
              arguments: { type: 'string' },
              output: inputContent,
              id: { type: 'string', description: 'item_reference: an output item of a stored response' },
            },
          },
        },
      ],
    },
    instructions: { type: 'string' },
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'name'],
        properties: {
          type: { type: 'string', enum: ['function'] },
          name: { type: 'string' },
          description: { type: 'string' },
          parameters: jsonSchemaObject,
          strict: { type: 'boolean' },
        },
      },
    },
    tool_choice: {
      oneOf: [
        { type: 'string', enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'name'],
          properties: { type: { type: 'string', enum: ['function'] }, name: { type: 'string' } },
        },
      ],
    },
    parallel_tool_calls: { type: 'boolean' },
    text: {
      type: 'object',
      properties: {
        format: {
          oneOf: [
            { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['text', 'json_object'] } } },
            {
              type: 'object',
              required: ['type', 'name', 'schema'],
              properties: {
                type: { type: 'string', enum: ['json_schema'] },
                name: { type: 'string' },
                schema: jsonSchemaObject,
                strict: { type: 'boolean' },
                description: { type: 'string' },
              },
            },
          ],
        },
      },
    },
    max_output_tokens: { type: 'integer', minimum: 1 },
    temperature: { type: 'number' },
    top_p: { type: 'number' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    stream: {
      type: 'boolean',
      description: 'Answer as the Responses event stream (response.created ... response.completed, or response.failed and error)',
    },
    store: {
      type: 'boolean',
      default: true,
      description: 'Keep the response for previous_response_id, item_reference and GET /v1/responses/{id} (responses.retention_hours)',
    },
    previous_response_id: { type: 'string' },
    user: { type: 'string' },
    reasoning: { type: 'object', properties: { effort: { type: 'string' } } },
  },
};

const anthropicBlock: SchemaObject = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['text', 'image', 'tool_use', 'tool_result'] },
    text: { type: 'string' },
    source: { type: 'object', description: "{type: 'base64', media_type, data} or {type: 'url', url}" },
    id: { type: 'string' },
    name: { type: 'string' },
    input: { type: 'object' },
    tool_use_id: { type: 'string' },
    content: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] },
    is_error: { type: 'boolean' },
  },
};

export const MESSAGES_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', description: 'A configured model alias (any provider types in its chain)', example: 'main-claude' },
    max_tokens: { type: 'integer', minimum: 1 },
    system: {
      oneOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'object', properties: { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } } } },
      ],
    },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', enum: ['user', 'assistant'] },
          content: { oneOf: [{ type: 'string' }, { type: 'array', items: anthropicBlock }] },
        },
      },
    },
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'input_schema'],
        properties: { name: { type: 'string' }, description: { type: 'string' }, input_schema: jsonSchemaObject },
      },
    },
    tool_choice: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string', enum: ['auto', 'any', 'tool', 'none'] },
        name: { type: 'string' },
        disable_parallel_tool_use: { type: 'boolean' },
      },
    },
    stop_sequences: { type: 'array', items: { type: 'string' } },
    temperature: { type: 'number' },
    top_p: { type: 'number' },
    metadata: { type: 'object', properties: { user_id: { type: 'string' } } },
    stream: { type: 'boolean', description: "Answer as Anthropic's event stream (message_start ... message_stop, or error)" },
  },
};

export const COUNT_TOKENS_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: MESSAGES_REQUEST_SCHEMA.properties!.model,
    system: MESSAGES_REQUEST_SCHEMA.properties!.system,
    messages: MESSAGES_REQUEST_SCHEMA.properties!.messages,
    tools: MESSAGES_REQUEST_SCHEMA.properties!.tools,
    tool_choice: MESSAGES_REQUEST_SCHEMA.properties!.tool_choice,
  },
};

/** The headers every routed answer carries. */
export const ROUTING_HEADERS = {
  'x-switchboard-provider': { description: 'The profile that served', schema: { type: 'string' } },
  'x-switchboard-model': { description: 'The model as that provider calls it', schema: { type: 'string' } },
  'x-switchboard-key': { description: "The serving key's fingerprint (first 16 hex of sha256)", schema: { type: 'string' } },
  'x-switchboard-attempts': { description: 'Upstream calls the request took', schema: { type: 'integer' } },
  'x-request-id': { description: 'The request id, also in the logs and the finished-request record', schema: { type: 'string' } },
};
