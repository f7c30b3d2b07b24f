import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CircuitState, KeyState } from '@switchboard/domain';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class ProbeNoteDto {
  @ApiProperty({ description: 'When the probe answered (ISO 8601).' })
  at!: string;

  @ApiProperty({ description: 'Whether the key answered as a working key.' })
  ok!: boolean;

  @ApiPropertyOptional({ description: 'Round trip of a successful probe, in milliseconds.' })
  latencyMs?: number;
}

export class KeyDto {
  @ApiProperty({ description: 'First 16 hex digits of sha256(secret).', example: '3f2a9c1d0b7e4a66' })
  fingerprint!: string;

  @ApiProperty({ description: 'Provider profile the key belongs to.', example: 'openai_main' })
  provider!: string;

  @ApiProperty({ enum: ['available', 'quarantined', 'retired', 'removed'] })
  state!: KeyState;

  @ApiPropertyOptional({ description: 'Quarantine deadline (ISO 8601), while quarantined.' })
  until?: string;

  @ApiPropertyOptional({ description: 'Why the key is quarantined or retired.', example: 'rate_limited' })
  reason?: string;

  @ApiProperty({ description: 'When the last event about this key was recorded (ISO 8601).' })
  updatedAt!: string;

  @ApiPropertyOptional({
    type: ProbeNoteDto,
    description: "The last probe this gateway knows of (its keeper's, or a recorded failure); a success is not an event.",
  })
  lastProbe?: ProbeNoteDto;

  @ApiPropertyOptional({
    enum: ['cooling', 'half_open', 'on_trial', 'ramping'],
    description:
      "A key on its way back into rotation, in this gateway's memory: cooling (its quarantine being stored), half_open (the next call is its trial), on_trial (that call is out), ramping (its share of the traffic still rising). Absent when fully in rotation, and in past states (?at=).",
  })
  rotation?: 'cooling' | 'half_open' | 'on_trial' | 'ramping';

  @ApiPropertyOptional({ description: 'While ramping: its share of the traffic so far, from 0 to 1.', example: 0.4 })
  share?: number;
}

export class KeyListDto {
  @ApiProperty({ type: [KeyDto] })
  keys!: KeyDto[];
}

export class KeyEventDto {
  @ApiProperty({ example: 'KeyQuarantined' })
  type!: string;

  @ApiProperty({ description: 'When the store recorded the event (ISO 8601).' })
  at!: string;

  @ApiProperty({ description: '0-based position of the event in the key stream.' })
  revision!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event data (never a secret).' })
  data!: Record<string, unknown>;
}

export class KeyHistoryDto {
  @ApiProperty()
  fingerprint!: string;

  @ApiProperty({ type: [KeyEventDto], description: 'Oldest first, at most `limit` of them.' })
  events!: KeyEventDto[];

  @ApiPropertyOptional({
    description: 'The next page (a path with `after` and `limit`), while there are more events.',
    example: '/admin/keys/3f2a9c1d0b7e4a66/history?after=99&limit=100',
  })
  next?: string;
}

export class ProviderDto {
  @ApiProperty({ description: 'Profile name from the configuration.', example: 'openai_main' })
  name!: string;

  @ApiProperty({ example: 'openai' })
  type!: string;

  @ApiProperty({ enum: ['closed', 'open', 'half_open'] })
  circuit!: CircuitState;

  @ApiPropertyOptional({ description: 'While open: when a trial request may go through (ISO 8601).' })
  until?: string;

  @ApiProperty({ description: 'False when an admin disabled the profile.' })
  enabled!: boolean;
}

export class ProviderListDto {
  @ApiProperty({ type: [ProviderDto] })
  providers!: ProviderDto[];
}

export class DisableProviderDto {
  @ApiPropertyOptional({ description: 'Why the profile is taken out of rotation (kept in the event).', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class UpstreamModelDto {
  @ApiProperty({ description: "The upstream's own name for the model: what a chain's `model` names.", example: 'gpt-4o' })
  id!: string;

  @ApiPropertyOptional({ description: 'Its display name, when the upstream gives one (Anthropic, Gemini).', example: 'Claude Sonnet 4' })
  display_name?: string;
}

export class ProviderModelsDto {
  @ApiProperty({ description: 'Profile name.', example: 'openai_main' })
  provider!: string;

  @ApiProperty({ example: 'openai' })
  type!: string;

  @ApiProperty({ description: 'Fingerprint of the key the list was read with (never the key).', example: '3f2a9c0d1e4b5a67' })
  key!: string;

  @ApiProperty({ type: [UpstreamModelDto], description: 'Every page of the upstream list, in its order.' })
  models!: UpstreamModelDto[];
}
