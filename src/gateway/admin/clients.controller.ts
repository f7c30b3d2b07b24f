import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UsePipes } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { clientKeyHash, ClientKeysProjection, type ClientLimits, type ClientView } from '@switchboard/domain';
import { DomainCommand } from '../core/commands';
import { BodyValidationPipe } from '../http/body-validation';
import { ApiError } from '../http/openai-error';
import { ClientLimiter } from '../limits/client-limiter';
import { LiveConfig } from '../core/live-config';
import { ChangeClientDto, ClientDto, ClientListDto, IssueClientDto, IssuedClientDto, type ClientLimitsBodyDto } from './clients.dto';

/**
 * Client keys: issued here as events (`client-<name>`), or listed in `auth.client_keys`. A key is
 * shown once, in the answer that issues it; afterwards only its fingerprint.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UsePipes(BodyValidationPipe)
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clients: ClientKeysProjection,
    private readonly limiter: ClientLimiter,
    private readonly live: LiveConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every client (issued and configured) with its limits and usage so far; never a key.' })
  @ApiOkResponse({ type: ClientListDto })
  async list(): Promise<ClientListDto> {
    return { clients: await Promise.all(this.clients.list().map((c) => this.toDto(c))) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One client with its limits and usage so far.' })
  @ApiParam({ name: 'name' })
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ description: 'No such client.' })
  async read(@Param('name') name: string): Promise<ClientDto> {
    return this.toDto(this.require(name));
  }

  @Post()
  @ApiOperation({ summary: 'Issue a key to a new client. The key is in this answer only; the store keeps its hash.' })
  @ApiBody({ type: IssueClientDto })
  @ApiCreatedResponse({ type: IssuedClientDto })
  @ApiConflictResponse({ description: 'The name already has an active key (or is configured in auth.client_keys).' })
  async issue(@Body() body: IssueClientDto): Promise<IssuedClientDto> {
    if (this.clients.get(body.name)?.source === 'config') throw configured(body.name);
    const models = this.models(body.models ?? null);
    const key = `sb-${randomBytes(24).toString('base64url')}`;
    const keyHash = clientKeyHash(key);
    await this.commands.execute(
      new DomainCommand({
        type: 'IssueClientKey',
        data: { name: body.name, fingerprint: keyHash.slice(0, 16), keyHash, models, limits: mergeLimits({}, body) },
      }),
    );
    return { ...(await this.toDto(this.clients.get(body.name)!)), key };
  }

  @Patch(':name')
  @ApiOperation({ summary: "Change a client's models or limits: an absent field keeps its value, null removes the limit." })
  @ApiParam({ name: 'name' })
  @ApiBody({ type: ChangeClientDto })
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ description: 'No active client of that name.' })
  async change(@Param('name') name: string, @Body() body: ChangeClientDto): Promise<ClientDto> {
    const current = this.require(name);
    if (current.source === 'config') throw configured(name);
    const models = body.models === undefined ? (current.models ? [...current.models] : null) : this.models(body.models);
    await this.commands.execute(
      new DomainCommand({ type: 'ChangeClientLimits', data: { name, models, limits: mergeLimits(current.limits, body) } }),
    );
    return this.toDto(this.clients.get(name)!);
  }

  @Delete(':name')
  @HttpCode(200)
  @ApiOperation({ summary: "Revoke a client's key: refused by every replica as soon as the event reaches it (within a second)." })
  @ApiParam({ name: 'name' })
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ description: 'No such client.' })
  async revoke(@Param('name') name: string): Promise<ClientDto> {
    if (this.require(name).source === 'config') throw configured(name);
    await this.commands.execute(new DomainCommand({ type: 'RevokeClientKey', data: { name } }));
    return this.toDto(this.clients.get(name)!);
  }

  private require(name: string): ClientView {
    const client = this.clients.get(name);
    if (!client) throw new ApiError(404, `No client named '${name}'.`, { param: 'name', code: 'client_not_found' });
    return client;
  }

  /** Every alias named must exist: a typo would lock the client out of what it was meant to use. */
  private models(models: string[] | null): string[] | null {
    if (models === null) return null;
    const unknown = models.filter((m) => !(m in this.live.current.models));
    if (unknown.length > 0) {
      throw new ApiError(400, `Unknown model alias${unknown.length > 1 ? 'es' : ''}: ${unknown.join(', ')}.`, {
        param: 'models',
        code: 'model_not_found',
      });
    }
    return [...new Set(models)].sort();
  }

  private async toDto(client: ClientView): Promise<ClientDto> {
    const { limits } = client;
    const dto: ClientDto = {
      name: client.name,
      fingerprint: client.fingerprint,
      source: client.source,
      state: client.state,
      models: client.models ? [...client.models] : null,
      ...(limits.rpm !== undefined && { rpm: limits.rpm }),
      ...(limits.tpm !== undefined && { tpm: limits.tpm }),
      ...(limits.maxParallel !== undefined && { max_parallel: limits.maxParallel }),
      ...(limits.budget !== undefined && { budget: { ...limits.budget } }),
      issuedAt: client.issuedAt,
      updatedAt: client.updatedAt,
    };
    if (client.state === 'active') {
      const usage = await this.limiter.usage(client).catch(() => undefined);
      if (usage) dto.usage = { period: usage.period, requests: usage.requests, tokens: usage.tokens, spend_usd: usage.spendUsd };
    }
    return dto;
  }
}

/** The body's limits over the current ones: absent keeps, null removes. Built in a fixed key order. */
function mergeLimits(current: ClientLimits, body: ClientLimitsBodyDto): ClientLimits {
  const pick = <T>(given: T | null | undefined, kept: T | undefined): T | undefined => (given === undefined ? kept : (given ?? undefined));
  const merged: ClientLimits = {};
  const rpm = pick(body.rpm, current.rpm);
  const tpm = pick(body.tpm, current.tpm);
  const maxParallel = pick(body.max_parallel, current.maxParallel);
  const budget = pick(body.budget ? { usd: body.budget.usd, per: body.budget.per } : body.budget, current.budget);
  if (rpm !== undefined) merged.rpm = rpm;
  if (tpm !== undefined) merged.tpm = tpm;
  if (maxParallel !== undefined) merged.maxParallel = maxParallel;
  if (budget !== undefined) merged.budget = budget;
  return merged;
}

function configured(name: string): ApiError {
  return new ApiError(409, `Client '${name}' is configured in auth.client_keys: change it in the config.`, {
    param: 'name',
    code: 'client_configured',
  });
}
