import { Body, Controller, Get, HttpCode, Param, Post, Query, UsePipes } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { DomainCommand } from '../core/commands';
import { BodyValidationPipe } from '../http/body-validation';
import { ApiError } from '../http/openai-error';
import { DisableProviderDto, KeyDto, KeyHistoryDto, KeyListDto, ProviderDto, ProviderListDto, ProviderModelsDto } from './admin.dto';
import { AdminReads, toKeyDto, toProviderDto } from './admin.reads';
import { ProviderModels } from './provider-models';

const FINGERPRINT = /^[0-9a-f]{16}$/;

/** `?at=` (or another time parameter) → a Date, or a 400 naming the parameter; the value is not quoted back (it may be anything pasted, a key too). */
export function parseAt(at: string | undefined, param = 'at'): Date | undefined {
  if (at === undefined || at === '') return undefined;
  const date = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}/.test(at) || Number.isNaN(date.getTime())) {
    throw new ApiError(400, `'${param}' must be an ISO 8601 time (e.g. 2025-01-31T12:00:00Z).`, { param, code: `invalid_${param}` });
  }
  return date;
}

/** History pages: 100 events unless asked otherwise, never more than 1000 (one answer stays small). */
const HISTORY_LIMIT = { default: 100, max: 1000 };

/** A whole number in `[min, max]` from a query parameter, its default when absent, or a 400 naming it. */
export function parseCount(
  value: string | undefined,
  param: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ApiError(400, `'${param}' must be a whole number from ${min} to ${max}.`, { param, code: `invalid_${param}` });
  }
  return n;
}

export function checkFingerprint(fingerprint: string): string {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new ApiError(400, 'A fingerprint is 16 lowercase hex digits: the first 16 of sha256(secret).', {
      param: 'fingerprint',
      code: 'invalid_fingerprint',
    });
  }
  return fingerprint;
}

@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin key (when auth.admin_keys is set).' })
@UsePipes(BodyValidationPipe)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly reads: AdminReads,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly upstreamModels: ProviderModels,
  ) {}

  @Get('keys')
  @ApiOperation({ summary: 'Every key with its state; `at` shows the state at a past time (replayed from events).' })
  @ApiQuery({ name: 'provider', required: false, description: 'Only the keys of this profile.' })
  @ApiQuery({ name: 'at', required: false, description: 'ISO 8601 time to travel back to.' })
  @ApiOkResponse({ type: KeyListDto })
  async listKeys(@Query('provider') provider?: string, @Query('at') at?: string): Promise<KeyListDto> {
    const keys = await this.reads.listKeys(provider || undefined, parseAt(at));
    return { keys };
  }

  @Get('keys/:fingerprint/history')
  @ApiOperation({
    summary:
      "One key's events, oldest first, a page at a time: follow `next` (same `limit`, `after` = the last revision) until it is absent.",
  })
  @ApiParam({ name: 'fingerprint', description: 'First 16 hex digits of sha256(secret).' })
  @ApiQuery({ name: 'limit', required: false, description: `Events per page, 1-${HISTORY_LIMIT.max} (default ${HISTORY_LIMIT.default}).` })
  @ApiQuery({ name: 'after', required: false, description: 'Only events after this revision (from the first when omitted).' })
  @ApiOkResponse({ type: KeyHistoryDto })
  @ApiNotFoundResponse({ description: 'No key with this fingerprint was ever registered.' })
  async keyHistory(
    @Param('fingerprint') fingerprint: string,
    @Query('limit') limitParam?: string,
    @Query('after') afterParam?: string,
  ): Promise<KeyHistoryDto> {
    checkFingerprint(fingerprint);
    const limit = parseCount(limitParam, 'limit', HISTORY_LIMIT.default, 1, HISTORY_LIMIT.max)!;
    const after = parseCount(afterParam, 'after', undefined, 0, Number.MAX_SAFE_INTEGER);
    // One more than asked tells whether a next page exists without a second read.
    const events = await this.reads.keyHistory(fingerprint, { after, limit: limit + 1 });
    if (events.length === 0 && after === undefined)
      throw new ApiError(404, `No key with fingerprint ${fingerprint}.`, { param: 'fingerprint', code: 'key_not_found' });
    const page = events.slice(0, limit);
    const next =
      events.length > limit ? `/admin/keys/${fingerprint}/history?after=${page[page.length - 1].revision}&limit=${limit}` : undefined;
    return { fingerprint, events: page, ...(next && { next }) };
  }

  @Post('keys/:fingerprint/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a quarantine now (admin restore). A key that is not quarantined is left as it is.' })
  @ApiParam({ name: 'fingerprint' })
  @ApiOkResponse({ type: KeyDto })
  @ApiNotFoundResponse({ description: 'Unknown fingerprint.' })
  async restoreKey(@Param('fingerprint') fingerprint: string): Promise<KeyDto> {
    checkFingerprint(fingerprint);
    if (!this.keys.get(fingerprint))
      throw new ApiError(404, `No key with fingerprint ${fingerprint}.`, { param: 'fingerprint', code: 'key_not_found' });
    await this.commands.execute(new DomainCommand({ type: 'RestoreKey', data: { fingerprint, reason: 'admin' } }));
    return toKeyDto(this.keys.get(fingerprint)!);
  }

  @Get('providers')
  @ApiOperation({ summary: 'Every provider profile with its circuit state; `at` shows a past state.' })
  @ApiQuery({ name: 'at', required: false, description: 'ISO 8601 time to travel back to.' })
  @ApiOkResponse({ type: ProviderListDto })
  async listProviders(@Query('at') at?: string): Promise<ProviderListDto> {
    const providers = await this.reads.listProviders(parseAt(at));
    return { providers };
  }

  @Get('providers/:name/models')
  @ApiOperation({ summary: "The upstream's own model list, every page, read through an available key of the profile." })
  @ApiParam({ name: 'name', description: 'Profile name.' })
  @ApiOkResponse({ type: ProviderModelsDto })
  @ApiNotFoundResponse({ description: 'Unknown profile.' })
  @ApiServiceUnavailableResponse({ description: 'The profile has no available key.' })
  @ApiBadGatewayResponse({ description: 'The upstream refused or failed the list call on every key tried.' })
  listUpstreamModels(@Param('name') name: string): Promise<ProviderModelsDto> {
    return this.upstreamModels.list(name);
  }

  @Post('providers/:name/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a profile out of rotation until it is enabled again.' })
  @ApiBody({ type: DisableProviderDto, required: false })
  @ApiOkResponse({ type: ProviderDto })
  @ApiNotFoundResponse({ description: 'Unknown profile.' })
  async disableProvider(@Param('name') name: string, @Body() body?: DisableProviderDto): Promise<ProviderDto> {
    this.requireProvider(name);
    await this.commands.execute(new DomainCommand({ type: 'DisableProvider', data: { name, reason: body?.reason } }));
    return toProviderDto(this.providers.get(name)!);
  }

  @Post('providers/:name/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put a disabled profile back into rotation.' })
  @ApiOkResponse({ type: ProviderDto })
  @ApiNotFoundResponse({ description: 'Unknown profile.' })
  async enableProvider(@Param('name') name: string): Promise<ProviderDto> {
    this.requireProvider(name);
    await this.commands.execute(new DomainCommand({ type: 'EnableProvider', data: { name } }));
    return toProviderDto(this.providers.get(name)!);
  }

  private requireProvider(name: string): void {
    if (!this.providers.get(name))
      throw new ApiError(404, `No provider profile named '${name}'.`, { param: 'name', code: 'provider_not_found' });
  }
}
