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

export class ChatCompletionRequestDto {
  @ApiProperty({ description: 'A configured model alias (see GET /v1/models)', example: 'main-gpt' })
  model!: string;

  @ApiProperty({ type: [ChatMessageDto] })
  messages!: ChatMessageDto[];

  @ApiPropertyOptional({ description: 'Answer as server-sent events of chat.completion.chunk' })
  stream?: boolean;

  @ApiPropertyOptional()
  temperature?: number;

  @ApiPropertyOptional()
  max_tokens?: number;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  tools?: unknown[];
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
