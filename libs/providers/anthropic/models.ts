import type { ModelCatalog } from '../provider';
import { modelsOf } from '../shared/model-list';
import { headers, modelsUrl } from './endpoint';

/** `GET /v1/models` answers `{data: [{id, display_name, ...}], has_more, last_id}`. */
export const anthropicModels: ModelCatalog = {
  request: (ctx, cursor) => ({ method: 'GET', url: modelsUrl(ctx.profile, cursor), headers: headers(ctx.key, ctx.profile, false) }),
  page: (body) => {
    const page = (body ?? {}) as { data?: unknown; has_more?: unknown; last_id?: unknown };
    return {
      models: modelsOf(
        page.data,
        (m) => m.id,
        (m) => m.display_name,
      ),
      ...(page.has_more === true && typeof page.last_id === 'string' && { cursor: page.last_id }),
    };
  },
};
