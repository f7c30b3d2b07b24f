import { UnsupportedFeatureError } from '../provider';
import { embeddingList, type EmbeddingsRequest, type EmbeddingsResponse, type EncodingFormat } from '../shared';
import type { CohereEmbedRequest, CohereEmbedResponse } from './cohere-wire';

/**
 * v2 embed requires `input_type`; OpenAI has no such field, so documents are assumed (what a
 * client embedding a corpus wants). A client may still send Cohere's `input_type` (e.g. `search_query`).
 */
export function toCohereEmbed(body: EmbeddingsRequest, model: string): CohereEmbedRequest {
  const texts = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
    throw new UnsupportedFeatureError('input', 'cohere', 'only text input can be embedded, not token arrays');
  }
  return {
    model,
    texts: texts as string[],
    input_type: typeof body.input_type === 'string' ? body.input_type : 'search_document',
    embedding_types: ['float'],
    ...(body.dimensions === undefined || body.dimensions === null ? {} : { output_dimension: body.dimensions }),
  };
}

export function fromCohereEmbed(body: CohereEmbedResponse, model: string, encodingFormat?: EncodingFormat): EmbeddingsResponse {
  return embeddingList(body.embeddings?.float ?? [], { model, promptTokens: body.meta?.billed_units?.input_tokens ?? 0, encodingFormat });
}
