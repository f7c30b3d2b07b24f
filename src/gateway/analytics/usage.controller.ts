import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { USAGE_GROUPINGS, UsageProjection, type UsageGrouping } from '@switchboard/domain';
import { parseAt } from '../admin/admin.controller';
import { ApiError } from '../http/openai-error';
import { AnalyticsPublishing } from './analytics-publishing';

class UsageTotalsDto {
  @ApiProperty({ description: 'Finished /v1 requests.' })
  requests!: number;
  @ApiProperty({ description: 'Requests answered with a status of 400 or more (499: the client went away).' })
  errors!: number;
  @ApiProperty({ description: 'Prompt tokens, as the upstreams reported them.' })
  input_tokens!: number;
  @ApiProperty({ description: 'Completion tokens, as the upstreams reported them.' })
  output_tokens!: number;
  @ApiProperty({ description: 'From `prices` in the config (a model without a price costs 0).' })
  cost_usd!: number;
}

class UsageRowDto extends UsageTotalsDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The client, alias, provider profile, provider model or UTC day (yyyy-mm-dd); null: none (e.g. no client name).',
  })
  key!: string | null;
}

class UsageDto {
  @ApiProperty({ description: 'Start of the range (ISO 8601, inclusive).' })
  from!: string;
  @ApiProperty({ description: 'End of the range (ISO 8601, exclusive).' })
  to!: string;
  @ApiProperty({ enum: USAGE_GROUPINGS })
  by!: UsageGrouping;
  @ApiProperty({ type: [UsageRowDto], description: 'One row per group, largest cost first.' })
  rows!: UsageRowDto[];
  @ApiProperty({ type: UsageTotalsDto })
  total!: UsageTotalsDto;
}

const DAY_MS = 86_400_000;
const CATCH_UP_WAIT_MS = 5_000;

/** Usage read before the store was caught up would be short: a 503 says to try again instead. */
async function withDeadline(caughtUp: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    const outcome = await Promise.race([caughtUp.then(() => 'ready' as const), late]);
    if (outcome === 'late')
      throw new ApiError(503, 'Usage is still being read from the event store; try again shortly.', { code: 'usage_catching_up' });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(503, 'Usage cannot be read: the event store subscription failed.', { code: 'usage_unavailable' });
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin key (when auth.admin_keys is set).' })
@Controller('admin')
export class UsageController {
  constructor(
    private readonly usage: UsageProjection,
    private readonly analytics: AnalyticsPublishing,
  ) {}

  @Get('usage')
  @ApiOperation({
    summary: 'Requests, errors, tokens and cost over a time range, grouped by client, alias, provider, model or day.',
    description:
      'Summed from the UsageRecorded events (per minute and client, alias, profile, model). The current minute is counted once the gateway records it (every analytics.usage_flush_ms, and at shutdown).',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601; default: 24 hours before `to`.' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601; default: now.' })
  @ApiQuery({ name: 'by', required: false, enum: USAGE_GROUPINGS, description: 'Default: model.' })
  @ApiOkResponse({ type: UsageDto })
  async query(@Query('from') from?: string, @Query('to') to?: string, @Query('by') by?: string): Promise<UsageDto> {
    const toMs = parseAt(to, 'to')?.getTime() ?? Date.now();
    const fromMs = parseAt(from, 'from')?.getTime() ?? toMs - DAY_MS;
    const grouping = (by || 'model') as UsageGrouping;
    if (!USAGE_GROUPINGS.includes(grouping)) {
      throw new ApiError(400, `'by' must be one of ${USAGE_GROUPINGS.join(', ')}.`, { param: 'by', code: 'invalid_by' });
    }
    if (fromMs > toMs) throw new ApiError(400, "'from' must not be after 'to'.", { param: 'from', code: 'invalid_range' });
    await withDeadline(this.analytics.usageCaughtUp, CATCH_UP_WAIT_MS);
    const { rows, total } = this.usage.query(fromMs, toMs, grouping);
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), by: grouping, rows, total };
  }
}
