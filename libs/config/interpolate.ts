/**
 * `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. An unset `${VAR}` without a
 * default is a problem named by the path where it appears; the tree itself is returned unchanged
 * in shape so validation can still report everything else.
 */
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(node: unknown, env: NodeJS.ProcessEnv, problems: string[], path = ''): unknown {
  if (typeof node === 'string') {
    return node.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      if (value === '') return '';
      problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolate(item, env, problems, `${path}[${i}]`));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolate(value, env, problems, path ? `${path}.${key}` : key);
    }
    return out;
  }
  return node;
}
