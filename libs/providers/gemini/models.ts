import type { ModelCatalog } from '../provider';
import { modelsOf } from '../shared/model-list';
import { headers, modelName, modelsUrl } from './endpoint';

/** `models.list` answers `{models: [{name: 'models/<id>', displayName, ...}], nextPageToken}`; the id is what a chain names. */
export const geminiModels: ModelCatalog = {
  request: (ctx, cursor) => ({ method: 'GET', url: modelsUrl(ctx.profile, cursor), headers: headers(ctx.key, false) }),
  page: (body) => {
    const page = (body ?? {}) as { models?: unknown; nextPageToken?: unknown };
    return {
      models: modelsOf(
        page.models,
        (m) => (typeof m.name === 'string' ? modelName(m.name) : undefined),
        (m) => m.displayName,
      ),
      ...(typeof page.nextPageToken === 'string' && page.nextPageToken !== '' && { cursor: page.nextPageToken }),
    };
  },
};
