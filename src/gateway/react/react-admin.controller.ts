import { Body, Controller, Get, Param, Put, UsePipes } from '@nestjs/common';
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
import { PatternRegistry, type Pattern } from '@switchboard/react';
import { BodyValidationPipe } from '../http/body-validation';
import { ApiError } from '../http/openai-error';
import { PatternListDto, PromptDto, PromptListDto, PromptUpdateDto } from './react.dto';

/**
 * The ReAct patterns and their system prompts. A saved prompt is written back to its pattern
 * file and used from the next session on: the engine reads the same registry.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin key (when auth.admin_keys is set).' })
@UsePipes(BodyValidationPipe)
@Controller('admin')
export class ReactAdminController {
  constructor(private readonly patterns: PatternRegistry) {}

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

  @Put('prompts/:pattern')
  @ApiOperation({ summary: "Replace a pattern's system prompt; validated, saved to its file, used by the next session" })
  @ApiParam({ name: 'pattern', example: 'basic_react' })
  @ApiBody({ type: PromptUpdateDto })
  @ApiOkResponse({ type: PromptDto })
  @ApiBadRequestResponse({ description: 'The prompt is not valid (empty, too long, or missing a required placeholder).' })
  @ApiNotFoundResponse({ description: 'No such pattern.' })
  async writePrompt(@Param('pattern') name: string, @Body() body?: PromptUpdateDto): Promise<PromptDto> {
    const saved = await this.patterns.saveSystemPrompt(name, body?.system_prompt);
    if (saved.ok) return toPromptDto(saved.pattern);
    if (saved.code === 'unknown_pattern') throw unknownPattern(name);
    throw new ApiError(400, saved.reason, { param: 'system_prompt', code: 'invalid_prompt' });
  }
}

function toPromptDto(pattern: Pattern): PromptDto {
  return { pattern: pattern.name, description: pattern.description, system_prompt: pattern.systemPrompt };
}

function unknownPattern(name: string): ApiError {
  return new ApiError(404, `No ReAct pattern named '${name}'.`, { param: 'pattern', code: 'pattern_not_found' });
}
