import type { EmbeddingsResponse } from './openai-wire';

export type EncodingFormat = 'float' | 'base64';

/**
 * One vector as the client asked for it. `base64` is OpenAI's wire form: the vector's float32
 * values, little-endian, base64-encoded. The official openai SDK asks for it whenever its caller
 * names no `encoding_format`, and decodes the answer as such, so an upstream that only speaks
 * floats must be encoded here or the SDK reads garbage.
 */
export function encodeEmbedding(vector: readonly number[], format: EncodingFormat | undefined): number[] | string {
  if (format !== 'base64') return [...vector];
  const bytes = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, i) => bytes.setFloat32(i * 4, value, true));
  return Buffer.from(bytes.buffer).toString('base64');
}

/** The inverse of `encodeEmbedding`, for tests and in-process callers that read an OpenAI answer. */
export function decodeEmbedding(embedding: readonly number[] | string): number[] {
  if (typeof embedding !== 'string') return [...embedding];
  const buf = Buffer.from(embedding, 'base64');
  const bytes = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return Array.from({ length: buf.byteLength / 4 }, (_, i) => bytes.getFloat32(i * 4, true));
}

/** The OpenAI embeddings list for vectors in input order; `promptTokens` is what the upstream billed (0 when it says nothing). */
export function embeddingList(
  vectors: ReadonlyArray<readonly number[]>,
  opts: { model: string; promptTokens: number; encodingFormat?: EncodingFormat },
): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encodeEmbedding(vector, opts.encodingFormat) })),
    model: opts.model,
    usage: { prompt_tokens: opts.promptTokens, total_tokens: opts.promptTokens },
  };
}
