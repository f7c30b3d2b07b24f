import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

export class ReactEventDto {
  @ApiProperty({ enum: ['session', 'thought', 'action', 'observation', 'answer', 'error'] })
  type!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "Exactly what was streamed: `{id}` for `session`, otherwise the step's fields and `step`.",
    example: { tool: 'calculator', input: { expression: '(12 + 30) * 2' }, step: 1 },
  })
  data!: Record<string, unknown>;
}

export class ReactSessionDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['running', 'finished', 'failed'] })
  status!: 'running' | 'finished' | 'failed';

  @ApiProperty({ type: [ReactEventDto], description: 'In the order they were streamed, `session` first.' })
  events!: ReactEventDto[];
}

export class SessionSummaryDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'demo-agent' })
  alias!: string;

  @ApiProperty({ example: 'basic_react' })
  pattern!: string;

  @ApiProperty({ enum: ['running', 'finished', 'failed'] })
  status!: 'running' | 'finished' | 'failed';

  @ApiProperty({ description: 'ISO 8601.' })
  startedAt!: string;

  @ApiProperty({ description: 'When the last step was recorded (ISO 8601).' })
  updatedAt!: string;

  @ApiProperty({ description: 'The last step recorded.' })
  steps!: number;

  @ApiProperty({ description: '0 for a session a client started, deeper for one an agent asked.' })
  depth!: number;

  @ApiProperty({ required: false })
  parentId?: string;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionSummaryDto], description: 'Newest first.' })
  sessions!: SessionSummaryDto[];
}

export class PatternDto {
  @ApiProperty({ example: 'basic_react' })
  name!: string;

  @ApiProperty()
  description!: string;
}

export class PatternListDto {
  @ApiProperty({ type: [PatternDto] })
  patterns!: PatternDto[];
}

export class PromptDto {
  @ApiProperty({ description: 'The pattern the prompt belongs to.', example: 'basic_react' })
  pattern!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({
    description: 'The system prompt template: `{{tools}}` and `{{question}}` are required, `{{tool_names}}` is optional.',
  })
  system_prompt!: string;
}

export class PromptListDto {
  @ApiProperty({ type: [PromptDto] })
  prompts!: PromptDto[];
}

export class PromptUpdateDto {
  @ApiProperty({
    description: 'The new template: non-empty, at most 32000 characters, keeping `{{tools}}` and `{{question}}`.',
    example: 'Answer with these tools:\n{{tools}}\n\nQuestion: {{question}}',
  })
  @IsString()
  system_prompt!: string;
}

export class PromptChangeDto {
  @ApiProperty()
  at!: string;

  @ApiProperty()
  revision!: number;

  @ApiProperty({ description: "The admin key's name, `local` for a loopback admin without keys, or `file` for a seed." })
  by!: string;

  @ApiProperty({ enum: ['file', 'admin'] })
  source!: string;

  @ApiProperty({ type: [String], description: 'Removed lines start with -, added ones with +.' })
  diff!: string[];
}

export class PromptHistoryDto {
  @ApiProperty()
  pattern!: string;

  @ApiProperty({ type: [PromptChangeDto], description: 'Oldest first.' })
  changes!: PromptChangeDto[];
}
