import { JSON_SCHEMA_OBJECT, type RequestSchema } from './request-schema';

/**
 * `POST /v1/responses` (OpenAI's Responses API): the fields by type, checked before the body is
 * translated. Which item, part and tool kinds the gateway serves is the translation's to say
 * (`@switchboard/dialects` responses), with a message naming what it refuses and why; the kinds
 * are listed here for the reader, not held to an enum.
 */
const inputContent: RequestSchema = {
  type: ['string', 'array'],
  items: {
    type: 'object',
    properties: {
      type: { type: 'string', description: 'input_text, input_image or output_text' },
      text: { type: 'string' },
      image_url: { type: 'string', description: 'http(s) or data: URL' },
      detail: { type: 'string', description: 'auto, low or high' },
    },
  },
};

const inputItem: RequestSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'message, function_call, function_call_output or item_reference' },
    role: { type: 'string', description: 'user, assistant, system or developer' },
    content: inputContent,
    call_id: { type: 'string' },
    name: { type: 'string' },
    arguments: { type: 'string' },
    output: inputContent,
    id: { type: 'string', description: 'item_reference: an output item of a stored response' },
  },
};

const textFormat: RequestSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'text, json_object or json_schema' },
    name: { type: 'string' },
    schema: JSON_SCHEMA_OBJECT,
    strict: { type: ['boolean', 'null'] },
    description: { type: 'string' },
  },
};

export const RESPONSES_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1, description: 'A configured model alias', examples: ['main-gpt'] },
    input: { type: ['string', 'array'], description: 'A string (one user message) or a list of items', items: inputItem },
    instructions: { type: ['string', 'null'] },
    tools: {
      type: ['array', 'null'],
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', description: 'function' },
          name: { type: 'string' },
          description: { type: 'string' },
          parameters: JSON_SCHEMA_OBJECT,
          strict: { type: ['boolean', 'null'] },
        },
      },
    },
    tool_choice: {
      type: ['string', 'object', 'null'],
      description: "'none', 'auto', 'required', or {type: 'function', name}",
      properties: { type: { type: 'string' }, name: { type: 'string' } },
    },
    parallel_tool_calls: { type: ['boolean', 'null'] },
    text: { type: ['object', 'null'], properties: { format: textFormat } },
    max_output_tokens: { type: ['integer', 'null'], minimum: 1 },
    temperature: { type: ['number', 'null'] },
    top_p: { type: ['number', 'null'] },
    metadata: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
    stream: {
      type: ['boolean', 'null'],
      description: 'Answer as the Responses event stream (response.created ... response.completed, or response.failed and error)',
    },
    store: {
      type: ['boolean', 'null'],
      default: true,
      description: 'Keep the response for previous_response_id, item_reference and GET /v1/responses/{id} (responses.retention_hours)',
    },
    previous_response_id: { type: ['string', 'null'] },
    user: { type: ['string', 'null'] },
    reasoning: { type: ['object', 'null'], properties: { effort: { type: 'string' } } },
  },
  // A follow-up may continue a stored response with no new input.
  if: { properties: { previous_response_id: { type: 'string' } }, required: ['previous_response_id'] },
  else: { required: ['input'] },
};
