import type { ModelCatalog, ModelPage, UpstreamRequest } from '../provider';

const records = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The items of `list` that have a string `id` (after `idOf`), with their display name when they carry one. */
export function modelsOf(
  list: unknown,
  idOf: (item: Record<string, unknown>) => unknown,
  nameOf?: (item: Record<string, unknown>) => unknown,
): ModelPage['models'] {
  return records(list).flatMap((item) => {
    const id = text(idOf(item));
    if (id === undefined) return [];
    const display = nameOf && text(nameOf(item));
    return [display === undefined ? { id } : { id, display_name: display }];
  });
}

/** `GET /models` in OpenAI's format (`{object: 'list', data: [{id, ...}]}`): one page, no cursor. */
export function openAiModelCatalog(request: (ctx: Parameters<ModelCatalog['request']>[0]) => UpstreamRequest): ModelCatalog {
  return {
    request: (ctx) => request(ctx),
    page: (body) => ({ models: modelsOf((body as { data?: unknown } | null)?.data, (m) => m.id) }),
  };
}
