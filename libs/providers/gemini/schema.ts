/**
 * Gemini takes schemas two ways: `parameters`/`responseSchema` (a subset of OpenAPI 3.0 that rejects
 * unknown keywords with a 400) and `parametersJsonSchema`/`responseJsonSchema` (plain JSON Schema).
 * A client's JSON Schema goes to the first when it fits, so simple tools look as Gemini documents
 * them, and to the second otherwise (`additionalProperties`, `$ref`, `type: [..., "null"]`, ...).
 */

const SUBSET_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

const SUBSET_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

export function fitsOpenApiSubset(schema: unknown): boolean {
  if (!isRecord(schema)) return false;
  for (const [keyword, value] of Object.entries(schema)) {
    if (!SUBSET_KEYWORDS.has(keyword)) return false;
    if (keyword === 'type' && !(typeof value === 'string' && SUBSET_TYPES.has(value.toLowerCase()))) return false;
    if (keyword === 'properties' && !(isRecord(value) && Object.values(value).every(fitsOpenApiSubset))) return false;
    if (keyword === 'items' && !fitsOpenApiSubset(value)) return false;
    if (keyword === 'anyOf' && !(Array.isArray(value) && value.every(fitsOpenApiSubset))) return false;
  }
  return true;
}

/** `{parameters}` or `{parametersJsonSchema}` (or with the given names) depending on what the schema uses. */
export function placeSchema<S extends string, J extends string>(
  schema: Record<string, unknown>,
  subsetField: S,
  jsonSchemaField: J,
): { [K in S]: Record<string, unknown> } | { [K in J]: Record<string, unknown> } {
  return (fitsOpenApiSubset(schema) ? { [subsetField]: schema } : { [jsonSchemaField]: schema }) as
    { [K in S]: Record<string, unknown> } | { [K in J]: Record<string, unknown> };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
