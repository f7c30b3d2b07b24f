/**
 * The JSON Schema keywords the /v1 request schemas use. Each schema is declared once and serves
 * twice: compiled by ajv into the check every request runs (`validate.ts`), and shown as the
 * request body of its endpoint in the OpenAPI 3.1 document (whose schema objects are JSON Schema
 * 2020-12). Only keywords both read alike are used: no OpenAPI-only `nullable` or `example`.
 */
export interface RequestSchema {
  type?: JsonType | JsonType[];
  description?: string;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, RequestSchema>;
  required?: string[];
  additionalProperties?: boolean | RequestSchema;
  items?: RequestSchema;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: RequestSchema[];
  allOf?: RequestSchema[];
  if?: RequestSchema;
  then?: RequestSchema;
  else?: RequestSchema;
}

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** A JSON Schema for a field some other schema describes (a tool's parameters): an object, not looked into. */
export const JSON_SCHEMA_OBJECT: RequestSchema = { type: 'object', description: 'A JSON Schema' };

/** `when` the object's `field` holds `value`, it must also match `then`. */
export function when(field: string, value: string, then: RequestSchema): RequestSchema {
  return { if: { properties: { [field]: { enum: [value] } }, required: [field] }, then };
}

export const MODEL: RequestSchema = {
  type: 'string',
  minLength: 1,
  description: 'A configured model alias (GET /v1/models)',
  examples: ['main-gpt'],
};

const integerFrom = (minimum: number, maximum?: number): RequestSchema => ({
  type: ['integer', 'null'],
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
});
const numberFrom = (minimum: number, maximum: number): RequestSchema => ({ type: ['number', 'null'], minimum, maximum });

/** The sampling and answer fields chat and legacy completions share, to OpenAI's own bounds. */
export const SAMPLING: Record<string, RequestSchema> = {
  stream: { type: ['boolean', 'null'], description: 'Answer as server-sent events, ending with `data: [DONE]`' },
  stream_options: {
    type: ['object', 'null'],
    properties: { include_usage: { type: ['boolean', 'null'], description: 'End the stream with a usage-only chunk' } },
  },
  temperature: numberFrom(0, 2),
  top_p: numberFrom(0, 1),
  presence_penalty: numberFrom(-2, 2),
  frequency_penalty: numberFrom(-2, 2),
  n: integerFrom(1, 128),
  max_tokens: integerFrom(1),
  max_completion_tokens: integerFrom(1),
  seed: { type: ['integer', 'null'] },
  stop: { type: ['string', 'array', 'null'], items: { type: 'string' } },
  user: { type: ['string', 'null'] },
  logprobs: { type: ['boolean', 'null'] },
  top_logprobs: integerFrom(0, 20),
  logit_bias: { type: ['object', 'null'], additionalProperties: { type: 'number' } },
};

/** OpenAI's array forms of a prompt or an embedding input: strings, one token array, or token arrays. */
export const TEXT_OR_TOKENS: RequestSchema = {
  type: 'array',
  description: 'a non-empty array of strings or of token arrays',
  minItems: 1,
  anyOf: [
    { items: { type: 'string' } },
    { items: { type: 'integer' } },
    { items: { type: 'array', minItems: 1, items: { type: 'integer' } } },
  ],
};
