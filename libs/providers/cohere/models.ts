import type { ModelCatalog } from '../provider';
import { modelsOf } from '../shared/model-list';
import { headers, modelsUrl } from './endpoint';

/** `GET /v1/models` answers `{models: [{name, endpoints, context_length, ...}], next_page_token}`. */
export const cohereModels: ModelCatalog = {
  request: (ctx, cursor) => ({ method: 'GET', url: modelsUrl(ctx.profile, cursor), headers: headers(ctx.key, false) }),
  page: (body) => {
    const page = (body ?? {}) as { models?: unknown; next_page_token?: unknown };
    return {
      models: modelsOf(page.models, (m) => m.name),
      ...(typeof page.next_page_token === 'string' && page.next_page_token !== '' && { cursor: page.next_page_token }),
    };
  },
};
