import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError } from './openai-error';

/**
 * Validates admin bodies against their DTO classes (class-validator decorators): unknown fields are
 * refused, not dropped silently, so a typo in a limit never passes as "no limit". Every failure is
 * a 400 in the OpenAI shape whose `param` is the first offending field's path (`budget.usd`).
 * Messages are class-validator's own, which never quote the value (it may be a pasted secret).
 */
export class BodyValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => invalidBody(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw new ApiError(400, 'The request body must be a JSON object.', { code: 'invalid_body' });
    }
    return super.transform(value, metadata);
  }
}

function invalidBody(errors: ValidationError[]): ApiError {
  const problems = flatten(errors, '');
  const first = problems[0];
  return new ApiError(400, problems.map((p) => p.message).join('; ') || 'The request body is not valid.', {
    param: first?.path || null,
    code: 'invalid_body',
  });
}

function flatten(errors: ValidationError[], prefix: string): Array<{ path: string; message: string }> {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => ({
      path,
      // class-validator names the bare property; a nested one is named by its whole path.
      message: text.startsWith(`${error.property} `) ? `${path}${text.slice(error.property.length)}` : text,
    }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
