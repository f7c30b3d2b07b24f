import { ApiProperty, type ApiBodyOptions } from '@nestjs/swagger';
import type { RequestSchema } from './schemas/request-schema';

/** An OpenAPI schema object, as @ApiBody takes it (the type is not exported by name). */
type SchemaObject = Extract<ApiBodyOptions, { schema: unknown }>['schema'];

/**
 * A request schema as the OpenAPI document's request body: the very object the endpoint's check
 * was compiled from. Swagger's `SchemaObject` type is OpenAPI 3.0's and lacks `if`/`then`, which
 * 3.1 (the document's version) takes as JSON Schema.
 */
export function requestBody(schema: RequestSchema, description?: string): ApiBodyOptions {
  return { schema: schema as SchemaObject, required: true, ...(description ? { description } : {}) };
}

/** The headers every routed answer carries. */
export const ROUTING_HEADERS = {
  'x-switchboard-provider': { description: 'The profile that served', schema: { type: 'string' } },
  'x-switchboard-model': { description: 'The model as that provider calls it', schema: { type: 'string' } },
  'x-switchboard-key': { description: "The serving key's fingerprint (first 16 hex of sha256)", schema: { type: 'string' } },
  'x-switchboard-attempts': { description: 'Upstream calls the request took', schema: { type: 'integer' } },
  'x-request-id': { description: 'The request id, also in the logs and the finished-request record', schema: { type: 'string' } },
};

/** Swagger documentation only: GET /v1/models. */
export class ModelDto {
  @ApiProperty({ example: 'main-gpt' })
  id!: string;

  @ApiProperty({ example: 'model' })
  object!: string;

  @ApiProperty()
  created!: number;

  @ApiProperty({ example: 'switchboard' })
  owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ example: 'list' })
  object!: string;

  @ApiProperty({ type: [ModelDto] })
  data!: ModelDto[];
}
