/**
 * Which endpoints this gateway has, from its OpenAPI document (`/docs-json`, open like `/docs`):
 * a screen whose endpoint has not been built into this gateway says so instead of calling it.
 */
let paths: Promise<Record<string, Record<string, unknown>>> | undefined;

function documentPaths(): Promise<Record<string, Record<string, unknown>>> {
  paths ??= fetch('/docs-json')
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((doc: { paths?: Record<string, Record<string, unknown>> }) => doc.paths ?? {})
    .catch(() => ({}));
  return paths;
}

/** True when the gateway documents `method` on `path` (as written in the document, e.g. `/admin/config`). */
export async function hasEndpoint(path: string, method: 'get' | 'put' | 'post' = 'get'): Promise<boolean> {
  return Boolean((await documentPaths())[path]?.[method]);
}
