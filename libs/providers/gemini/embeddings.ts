import { UnsupportedFeatureError } from '../provider';
import { embeddingList, type EmbeddingsRequest, type EmbeddingsResponse, type EncodingFormat } from '../shared';
import type { GeminiBatchEmbedRequest, GeminiEmbedContentRequest, GeminiEmbedResponse } from './gemini-wire';
import { modelResource } from './endpoint';

export type GeminiEmbedCall =
  { method: 'embedContent'; body: GeminiEmbedContentRequest } | { method: 'batchEmbedContents'; body: GeminiBatchEmbedRequest };

/** One string goes to `:embedContent`, a list to `:batchEmbedContents` (one request per text, in order). */
export function toGeminiEmbed(body: EmbeddingsRequest, model: string): GeminiEmbedCall {
  const dimensions = body.dimensions === undefined || body.dimensions === null ? {} : { outputDimensionality: body.dimensions };
  if (typeof body.input === 'string') {
    return { method: 'embedContent', body: { content: { parts: [{ text: body.input }] }, ...dimensions } };
  }
  if (!Array.isArray(body.input) || !body.input.every((item) => typeof item === 'string')) {
    throw new UnsupportedFeatureError('input', 'gemini', 'only text input can be embedded, not token arrays');
  }
  const requests = (body.input as string[]).map((text) => ({ model: modelResource(model), content: { parts: [{ text }] }, ...dimensions }));
  return { method: 'batchEmbedContents', body: { requests } };
}

/** Gemini reports no token usage for embeddings: usage is zero, not guessed. */
export function fromGeminiEmbed(body: GeminiEmbedResponse, model: string, encodingFormat?: EncodingFormat): EmbeddingsResponse {
  const vectors = 'embeddings' in body ? body.embeddings.map((e) => e.values) : [body.embedding.values];
  return embeddingList(vectors, { model, promptTokens: 0, encodingFormat });
}
