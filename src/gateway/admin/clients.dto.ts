import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Min, ValidateNested } from 'class-validator';
import { CLIENT_NAME } from '@switchboard/config';

export class BudgetDto {
  @ApiProperty({ description: 'Spend allowed per period, in USD (from `prices`).', example: 25 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  usd!: number;

  @ApiProperty({ enum: ['day', 'month'], description: 'Calendar period in UTC; the spend starts again from 0 when it rolls over.' })
  @IsIn(['day', 'month'])
  per!: 'day' | 'month';
}

/** Models and limits, as a body: an absent field keeps its value, `null` removes the limit (PATCH). */
export class ClientLimitsBodyDto {
  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Aliases the key may use; omitted or null: every alias.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  models?: string[] | null;

  @ApiPropertyOptional({ nullable: true, description: 'Requests per minute.', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  rpm?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Tokens per minute, charged from the usage each answer reports.', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  tpm?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Requests in flight at once.', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  max_parallel?: number | null;

  @ApiPropertyOptional({ type: BudgetDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => BudgetDto)
  budget?: BudgetDto | null;
}

export class IssueClientDto extends ClientLimitsBodyDto {
  @ApiProperty({
    description: 'Letters, digits, `_ . -`, at most 64; the name in logs, metrics and request events.',
    example: 'billing-bot',
  })
  @IsString()
  @Matches(CLIENT_NAME, { message: 'name must be letters, digits, _ . - only (at most 64, starting with a letter or digit)' })
  name!: string;
}

export class ChangeClientDto extends ClientLimitsBodyDto {}

export class ClientUsageDto {
  @ApiProperty({ description: 'The budget period the figures below count (`2025-01-31` or `2025-01`); a month without a budget.' })
  period!: string;

  @ApiProperty({ description: 'Requests admitted in the period.' })
  requests!: number;

  @ApiProperty({ description: 'Tokens the answers reported in the period.' })
  tokens!: number;

  @ApiProperty({ description: 'Cost of those tokens in USD, from `prices`.' })
  spend_usd!: number;
}

export class ClientDto {
  @ApiProperty({ example: 'billing-bot' })
  name!: string;

  @ApiProperty({ description: 'First 16 hex digits of sha256(key).' })
  fingerprint!: string;

  @ApiProperty({ enum: ['store', 'config'], description: '`store`: issued through /admin/clients; `config`: auth.client_keys.' })
  source!: 'store' | 'config';

  @ApiProperty({ enum: ['active', 'revoked'] })
  state!: 'active' | 'revoked';

  @ApiProperty({ type: [String], nullable: true, description: 'null: every alias.' })
  models!: string[] | null;

  @ApiPropertyOptional()
  rpm?: number;

  @ApiPropertyOptional()
  tpm?: number;

  @ApiPropertyOptional()
  max_parallel?: number;

  @ApiPropertyOptional({ type: BudgetDto })
  budget?: BudgetDto;

  @ApiProperty()
  issuedAt!: string;

  @ApiProperty()
  updatedAt!: string;

  @ApiPropertyOptional({ type: ClientUsageDto, description: 'Usage so far in the current period (absent for a revoked key).' })
  usage?: ClientUsageDto;
}

export class IssuedClientDto extends ClientDto {
  @ApiProperty({ description: 'The key. Shown this once: only its hash is kept.' })
  key!: string;
}

export class ClientListDto {
  @ApiProperty({ type: [ClientDto] })
  clients!: ClientDto[];
}
