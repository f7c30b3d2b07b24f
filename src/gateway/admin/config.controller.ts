import { Body, Controller, Get, Headers, HttpCode, Post, Put, Req, Res, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ConfigError, maskSecrets, type SecretWarning } from '@switchboard/config';
import { IsObject } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiveConfig } from '../core/live-config';
import { BodyValidationPipe } from '../http/body-validation';
import { ApiError } from '../http/openai-error';

export class ConfigBodyDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The whole config, as in gateway.yaml (snake_case).' })
  @IsObject()
  config!: Record<string, unknown>;
}

export class SecretWarningDto {
  @ApiProperty({ description: 'Where the config holds the secret.', example: 'providers.openai.keys[1]' })
  path!: string;

  @ApiProperty({ description: 'First 16 hex digits of sha256(secret); never the secret.', example: '3f2a9c1d0b7e4a66' })
  fingerprint!: string;

  @ApiProperty({
    description: 'What follows and what to do instead.',
    example:
      "providers.openai.keys[1] (3f2a9c1d0b7e4a66): a literal secret reaches only this process: the store keeps it masked, so other replicas see only the mask and do not use it, and this process loses it on restart; set it through ${VAR} in every process's environment, or in the profile's keys file",
  })
  message!: string;
}

const WARNINGS_DESCRIPTION =
  "Each literal secret of the config that reaches only this process (stored masked: other replicas, and this one after a restart, see only the mask and do not use it), or a mask this process cannot use; empty when every secret is a ${VAR} reference, a keys file or in this process's own config file.";

export class ConfigChangeDto {
  @ApiProperty({ description: 'The revision now in force (also the ETag).', example: 3 })
  revision!: number;

  @ApiProperty({ type: [String], description: 'The change, as lines of a unified diff of the YAML (empty when nothing changed).' })
  diff!: string[];

  @ApiProperty({ type: [SecretWarningDto], description: WARNINGS_DESCRIPTION })
  warnings!: SecretWarningDto[];
}

export class ConfigValidationDto {
  @ApiProperty()
  valid!: boolean;

  @ApiProperty({ type: [String], description: 'Every problem, by path.', example: ['models.main-gpt.chain[1].provider: unknown'] })
  errors!: string[];

  @ApiProperty({ type: [SecretWarningDto], description: WARNINGS_DESCRIPTION })
  warnings!: SecretWarningDto[];
}

const etag = (revision: number): string => `"${revision}"`;

/**
 * The configuration in the store: read (secrets masked), validate, replace against a revision
 * (`If-Match`), and its history. Every process follows the store and applies a new revision
 * without a restart.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UsePipes(BodyValidationPipe)
@Controller('admin/config')
export class ConfigController {
  constructor(private readonly live: LiveConfig) {}

  @Get()
  @ApiOperation({ summary: 'The config in force: its revision (also the ETag) and the document, literal secrets masked.' })
  read(@Res({ passthrough: true }) reply: FastifyReply): { revision: number; config: Record<string, unknown> } {
    void reply.header('etag', etag(this.live.revision));
    return { revision: this.live.revision, config: maskSecrets(this.live.document) };
  }

  @Post('validate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a config without applying it: every problem by path, and the secrets that would reach this process only.',
  })
  @ApiOkResponse({ type: ConfigValidationDto })
  validate(@Body() body: ConfigBodyDto): { valid: boolean; errors: string[]; warnings: SecretWarning[] } {
    const warnings = this.live.localSecrets(body.config);
    try {
      this.live.validate(maskSecrets(body.config));
      return { valid: true, errors: [], warnings };
    } catch (error) {
      if (error instanceof ConfigError) return { valid: false, errors: error.problems, warnings };
      throw error;
    }
  }

  @Put()
  @ApiOperation({
    summary:
      'Replace the config. `If-Match` names the revision it was made against (a stale one: 412). Answers the diff, and a warning for each literal secret that reaches this process only.',
  })
  @ApiOkResponse({ type: ConfigChangeDto })
  @ApiHeader({ name: 'if-match', required: true, description: 'The ETag of GET /admin/config, e.g. "3".' })
  async replace(
    @Body() body: ConfigBodyDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConfigChangeDto> {
    const expected = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch?.trim() ?? '');
    if (!expected) {
      throw new ApiError(428, 'Send If-Match with the revision (ETag) of the config you changed, from GET /admin/config.', {
        param: 'if-match',
        code: 'precondition_required',
      });
    }
    try {
      const applied = await this.live.change(body.config, 'admin', req.adminName ?? 'local', Number(expected[1]));
      void reply.header('etag', etag(applied.revision));
      return applied;
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new ApiError(400, `The config is not valid: ${error.problems.join('; ')}`, { param: 'config', code: 'invalid_config' });
      }
      throw error;
    }
  }

  @Get('history')
  @ApiOperation({ summary: 'Every applied revision, oldest first: who, when, from where, the diff.' })
  async history(): Promise<{ changes: Array<{ revision: number; at: string; by: string; source: string; diff: string[] }> }> {
    const events = await this.live.history();
    return {
      changes: events.map((e) => {
        const data = e.data as { revision: number; by: string; source: string; diff: string[] };
        return { revision: data.revision, at: e.at, by: data.by, source: data.source, diff: data.diff };
      }),
    };
  }
}
