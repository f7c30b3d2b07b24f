import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import type { Operation } from '@switchboard/providers';
import { CHAT_REQUEST_SCHEMA } from './schemas/chat.schema';
import { COMPLETIONS_REQUEST_SCHEMA, EMBEDDINGS_REQUEST_SCHEMA } from './schemas/completions.schema';
import type { RequestSchema } from './schemas/request-schema';

/** What is wrong with a request body, named by the field a client must fix. */
export interface Invalid {
  param: string | null;
  message: string;
}

/** An endpoint's check, with the schema it was compiled from (the one its OpenAPI request body shows). */
export interface RequestCheck {
  (body: unknown): Invalid | undefined;
  readonly schema: RequestSchema;
}

/**
 * `verbose` puts the failing schema and value on each error (read only when a body is refused);
 * strict mode refuses a keyword ajv does not know, so a schema cannot say more than it checks.
 * Type-specific keywords without their type (an `if` naming a field) are JSON Schema as written.
 */
const ajv = new Ajv2020({ verbose: true, allowUnionTypes: true, strict: true, strictTypes: false, strictRequired: false });

/**
 * Compiles a request schema once into the check every request of its endpoint runs. ajv stops at
 * the first keyword that fails, so a refused body costs one error, explained in OpenAI's words.
 */
export function compileRequestCheck(schema: RequestSchema): RequestCheck {
  const validate = ajv.compile(schema);
  const check = (body: unknown) => (validate(body) ? undefined : explain(validate.errors!, validate.errors!.length - 1));
  return Object.assign(check, { schema: validate.schema as RequestSchema });
}

export const validateChat = compileRequestCheck(CHAT_REQUEST_SCHEMA);

export const VALIDATORS: Record<Exclude<Operation, 'models' | 'count_tokens'>, RequestCheck> = {
  chat: validateChat,
  completions: compileRequestCheck(COMPLETIONS_REQUEST_SCHEMA),
  embeddings: compileRequestCheck(EMBEDDINGS_REQUEST_SCHEMA),
};

/**
 * The error at `i`, the one that failed its schema. Errors of an `anyOf`'s branches, or of an
 * `if`'s `then`/`else`, come before the error of the keyword they failed.
 */
function explain(errors: ErrorObject[], i: number): Invalid {
  const error = errors[i];
  const param = paramOf(error.instancePath);
  const schema = error.parentSchema as RequestSchema;
  switch (error.keyword) {
    case 'required':
      return missing(join(param, (error.params as { missingProperty: string }).missingProperty));
    case 'type':
      return wrongType(param, expectedType(schema), error.data);
    case 'enum':
      return { param, message: `Invalid value for '${param}': expected one of ${(schema.enum ?? []).map(String).join(', ')}.` };
    case 'minimum':
    case 'maximum': {
      const range = schema.maximum === undefined ? `at least ${schema.minimum}` : `a value from ${schema.minimum} to ${schema.maximum}`;
      return { param, message: `Invalid '${param}': expected ${range}, but got ${String(error.data)}.` };
    }
    case 'minItems':
    case 'minLength':
      return { param, message: `Invalid '${param}': expected a non-empty ${error.keyword === 'minItems' ? 'array' : 'string'}.` };
    case 'if':
      return explain(errors, i - 1);
    case 'anyOf':
      return explainAnyOf(errors, i);
    default:
      return { param, message: `Invalid value for '${param}': ${error.message ?? 'not accepted'}.` };
  }
}

/**
 * A value that matched no branch. When exactly one branch took the value's type and failed inside
 * it, that branch's error is the one a client needs (`content[0].type` is missing); otherwise the
 * value is of none of the kinds the field takes.
 */
function explainAnyOf(errors: ErrorObject[], i: number): Invalid {
  const error = errors[i];
  const prefix = `${error.schemaPath}/`;
  const lastOfBranch = new Map<string, number>();
  for (let j = 0; j < i; j++) {
    const path = errors[j].schemaPath;
    if (path.startsWith(prefix)) lastOfBranch.set(path.slice(prefix.length).split('/')[0], j);
  }
  const tookTheType = [...lastOfBranch.values()].filter(
    (j) => !(errors[j].instancePath === error.instancePath && (errors[j].keyword === 'type' || errors[j].keyword === 'enum')),
  );
  if (tookTheType.length === 1) return explain(errors, tookTheType[0]);
  const param = paramOf(error.instancePath);
  const schema = error.parentSchema as RequestSchema;
  return { param, message: `Invalid value for '${param}': expected ${expectedOf(schema)}, but got ${describe(error.data)}.` };
}

/** `/messages/0/content` → `messages[0].content`; the body itself → null. */
function paramOf(instancePath: string): string | null {
  if (instancePath === '') return null;
  let param = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    param += /^\d+$/.test(segment) ? `[${segment}]` : param === '' ? segment : `.${segment}`;
  }
  return param;
}

function join(param: string | null, field: string): string {
  return param === null ? field : `${param}.${field}`;
}

function missing(param: string): Invalid {
  return { param, message: `Missing required parameter: '${param}'.` };
}

function wrongType(param: string | null, expected: string, value: unknown): Invalid {
  if (param === null) return { param, message: 'The request body must be a JSON object.' };
  return { param, message: `Invalid type for '${param}': expected ${expected}, but got ${describe(value)}.` };
}

const A_TYPE: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

function expectedType(schema: RequestSchema): string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'object'];
  return either(types.map((type) => A_TYPE[type]));
}

/** What a field takes, in words: its description where one says it, else built from its branches. */
function expectedOf(schema: RequestSchema): string {
  if (schema.anyOf && schema.description) return schema.description;
  if (schema.anyOf) return either(schema.anyOf.map(expectedOf));
  if (schema.enum) return either(schema.enum.map((value) => `'${String(value)}'`));
  return schema.description ?? expectedType(schema);
}

function either(options: string[]): string {
  return options.length < 2 ? options.join('') : `${options.slice(0, -1).join(', ')} or ${options[options.length - 1]}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
