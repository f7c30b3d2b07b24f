/**
 * Typed reads from an untyped YAML mapping that never throw: every problem is recorded as
 * `<path>: <problem>` so one start-up reports all of them at once.
 */
export type Mapping = Record<string, unknown>;

export class Fields {
  constructor(readonly problems: string[]) {}

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  /** A mapping (absent → `{}`), reporting keys outside `allowed` (typos must not pass silently). */
  mapping(value: unknown, path: string, allowed?: readonly string[]): Mapping {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be a mapping');
      return {};
    }
    if (allowed) {
      for (const key of Object.keys(value)) {
        if (!allowed.includes(key)) this.problem(join(path, key), `unknown field (expected one of ${allowed.join(', ')})`);
      }
    }
    return value as Mapping;
  }

  string(obj: Mapping, key: string, path: string): string | undefined;
  string(obj: Mapping, key: string, path: string, fallback: string): string;
  string(obj: Mapping, key: string, path: string, fallback?: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      this.problem(join(path, key), 'must be a string');
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(obj: Mapping, key: string, path: string, options: readonly T[]): T | undefined {
    const value = this.string(obj, key, path);
    if (value === undefined) return undefined;
    if (!(options as readonly string[]).includes(value)) {
      this.problem(join(path, key), `must be one of ${options.join(', ')} (got '${value}')`);
      return undefined;
    }
    return value as T;
  }

  int(obj: Mapping, key: string, path: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    let value = obj[key];
    if (value === undefined || value === null) return fallback;
    // Interpolated values arrive as strings ("${PORT:-8080}").
    if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) value = Number(value);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(join(path, key), `must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  }

  /** A finite number (prices, ratios); interpolated strings such as "2.5" are accepted. */
  number(obj: Mapping, key: string, path: string, fallback: number, min = 0, max = Number.MAX_VALUE): number {
    let value = obj[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) value = Number(value);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.problem(join(path, key), max === Number.MAX_VALUE ? `must be a number >= ${min}` : `must be a number between ${min} and ${max}`);
      return fallback;
    }
    return value;
  }

  bool(obj: Mapping, key: string, path: string, fallback: boolean): boolean {
    const value = obj[key];
    if (value === undefined || value === null) return fallback;
    if (value === 'true' || value === 'false') return value === 'true';
    if (typeof value !== 'boolean') {
      this.problem(join(path, key), 'must be true or false');
      return fallback;
    }
    return value;
  }

  stringList(obj: Mapping, key: string, path: string): string[] {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(join(path, key), 'must be a list of strings');
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.problem(`${join(path, key)}[${i}]`, 'must be a string');
    });
    return out;
  }

  list(obj: Mapping, key: string, path: string): unknown[] {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(join(path, key), 'must be a list');
      return [];
    }
    return value;
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
