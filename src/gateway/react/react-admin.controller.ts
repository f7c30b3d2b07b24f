import { Body, Controller, Get, Param, Put, Req, UsePipes } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PatternRegistry, systemPromptProblem, type Pattern } from '@switchboard/react';
import type { FastifyRequest } from 'fastify';
import { BodyValidationPipe } from '../http/body-validation';
import { ApiError } from '../http/openai-error';
import { PromptStore } from './prompt-store';
import { PatternListDto, PromptDto, PromptHistoryDto, PromptListDto, PromptUpdateDto } from './react.dto';

/**
 * The ReAct patterns and their system prompts. A saved prompt is appended to the store and used
 * from the next session on by every replica: the engine reads the registry the store feeds.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin key (when auth.admin_keys is set).' })
@UsePipes(BodyValidationPipe)
@Controller('admin')
export class ReactAdminController {
  constructor(
    private readonly patterns: PatternRegistry,
    private readonly prompts: PromptStore,
  ) {}

  @Get('react/patterns')
  @ApiOperation({ summary: 'The ReAct patterns agents can use (`pattern:` of an alias), from config/patterns/' })
  @ApiOkResponse({ type: PatternListDto })
  listPatterns(): PatternListDto {
    return { patterns: this.patterns.list() };
  }

  @Get('prompts')
  @ApiOperation({ summary: "Every pattern's system prompt" })
  @ApiOkResponse({ type: PromptListDto })
  listPrompts(): PromptListDto {
    return { prompts: this.patterns.list().map(({ name }) => toPromptDto(this.patterns.get(name)!)) };
  }

  @Get('prompts/:pattern')
  @ApiOperation({ summary: "One pattern's system prompt" })
  @ApiParam({ name: 'pattern', example: 'basic_react' })
  @ApiOkResponse({ type: PromptDto })
  @ApiNotFoundResponse({ description: 'No such pattern.' })
  readPrompt(@Param('pattern') name: string): PromptDto {
    const pattern = this.patterns.get(name);
    if (!pattern) throw unknownPattern(name);
    return toPromptDto(pattern);
  }

  @Get('prompts/:pattern/history')
  @ApiOperation({ summary: "Every change of a pattern's prompt, oldest first: who (admin key name, or file), when, the diff" })
  @ApiParam({ name: 'pattern', example: 'basic_react' })
  @ApiOkResponse({ type: PromptHistoryDto })
  @ApiNotFoundResponse({ description: 'No such pattern.' })
  async promptHistory(@Param('pattern') name: string): Promise<PromptHistoryDto> {
    if (!this.patterns.get(name)) throw unknownPattern(name);
    const events = await this.prompts.history(name);
    return {
      pattern: name,
      changes: events.map((e) => {
        const data = e.data as { diff: string[]; by: string; source: string };
        return { at: e.at, revision: e.revision, by: data.by, source: data.source, diff: data.diff };
      }),
    };
  }

  @Put('prompts/:pattern')
  @ApiOperation({
    summary: "Replace a pattern's system prompt: validated, appended to the store (PromptChanged), used by every replica's next session",
  })
  @ApiParam({ name: 'pattern', example: 'basic_react' })
  @ApiBody({ type: PromptUpdateDto })
  @ApiOkResponse({ type: PromptDto })
  @ApiBadRequestResponse({ description: 'The prompt is not valid (empty, too long, or missing a required placeholder).' })
  @ApiNotFoundResponse({ description: 'No such pattern.' })
  async writePrompt(@Param('pattern') name: string, @Body() body: PromptUpdateDto, @Req() req: FastifyRequest): Promise<PromptDto> {
    if (!this.patterns.get(name)) throw unknownPattern(name);
    const problem = systemPromptProblem(body.system_prompt);
    if (problem) throw new ApiError(400, problem, { param: 'system_prompt', code: 'invalid_prompt' });
    await this.prompts.change(name, body.system_prompt, req.adminName ?? 'local', 'admin');
    return toPromptDto(this.patterns.get(name)!);
  }
}

function toPromptDto(pattern: Pattern): PromptDto {
  return { pattern: pattern.name, description: pattern.description, system_prompt: pattern.systemPrompt };
}

function unknownPattern(name: string): ApiError {
  return new ApiError(404, `No ReAct pattern named '${name}'.`, { param: 'pattern', code: 'pattern_not_found' });
}
