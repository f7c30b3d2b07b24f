import { MODEL, SAMPLING, TEXT_OR_TOKENS, type RequestSchema } from './request-schema';

/** `POST /v1/completions`, the legacy text completion. */
export const COMPLETIONS_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model', 'prompt'],
  properties: {
    model: MODEL,
    prompt: {
      description: 'a string, or a non-empty array of strings or of token arrays',
      anyOf: [{ type: 'string' }, TEXT_OR_TOKENS],
    },
    ...SAMPLING,
  },
};

/** `POST /v1/embeddings`. */
export const EMBEDDINGS_REQUEST_SCHEMA: RequestSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { ...MODEL, examples: ['embed'] },
    input: {
      description: 'a non-empty string, or a non-empty array of strings or of token arrays',
      anyOf: [{ type: 'string', minLength: 1 }, TEXT_OR_TOKENS],
    },
    dimensions: { type: ['integer', 'null'], minimum: 1 },
    encoding_format: { type: ['string', 'null'], description: 'float or base64' },
    user: { type: ['string', 'null'] },
  },
};
