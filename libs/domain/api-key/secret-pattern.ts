/**
 * One pattern that finds any of `values` in a text, for censoring secrets wherever a line quotes
 * them: longest first, so a value that holds another is replaced whole; values shorter than
 * `minLength` are left out (they would mangle every text). Undefined when no value is left.
 */
export function secretValuesPattern(values: Iterable<string>, minLength: number): RegExp | undefined {
  const list = [...new Set(values)].filter((v) => v.length >= minLength).sort((a, b) => b.length - a.length);
  return list.length === 0 ? undefined : new RegExp(list.map(escapeRegExp).join('|'), 'g');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
