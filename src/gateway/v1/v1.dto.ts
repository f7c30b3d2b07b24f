import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Swagger documentation only: requests are checked by hand in `validate.ts` (the hot path). */
export class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'developer', 'user', 'assistant', 'tool'] })
  role!: string;

  @ApiPropertyOptional({
    description: 'Text, or an array of content parts',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
  })
  content?: unknown;
}

export class CompletionRequestDto {
  @ApiProperty({ example: 'main-gpt' })
  model!: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  prompt!: unknown;

  @ApiPropertyOptional()
  stream?: boolean;
}

export class EmbeddingRequestDto {
  @ApiProperty({ example: 'embed' })
  model!: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  input!: unknown;
}

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
