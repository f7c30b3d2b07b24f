import { join } from 'node:path';
import ts from 'typescript';
import { DOMAIN_EVENTS } from '../../src/gateway/analytics/asyncapi';
import { subjectCategory } from '../../src/gateway/analytics/subjects';
import { codeSpans, filesUnder, readDoc, ROOT, tableRows } from './markdown';

/** `fingerprint`, `status?`: a data field, `?` when it may be absent. */
type Fields = string[];

/**
 * The domain's events as the code declares them: every exported `...Event` type of a `*.events.ts`
 * file is a union of `{ type: '<Name>'; data: {...} }`; read with the type checker, so an event added
 * to a union is seen however its members are spelled.
 */
function eventsInCode(): Map<string, Fields> {
  const files = filesUnder('libs', /\.events\.ts$/).map((file) => join(ROOT, file));
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const events = new Map<string, Fields>();
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    for (const statement of source.statements) {
      if (!ts.isTypeAliasDeclaration(statement) || !/Event$/.test(statement.name.text)) continue;
      if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      const type = checker.getTypeAtLocation(statement.name);
      for (const member of type.isUnion() ? type.types : [type]) {
        const name = checker.getTypeOfSymbolAtLocation(member.getProperty('type')!, statement);
        const data = checker.getTypeOfSymbolAtLocation(member.getProperty('data')!, statement);
        if (!name.isStringLiteral()) throw new Error(`${statement.name.text}: a member's type is not a string literal`);
        const fields = data.getProperties().map((p) => (p.flags & ts.SymbolFlags.Optional ? `${p.name}?` : p.name));
        events.set(name.value, fields.sort());
      }
    }
  }
  return events;
}

/** docs/events.md: one row per event, `| \`Type\` | \`stream\` | \`field\`, \`field?\` | ...`. */
function eventsInCatalogue(): Map<string, { stream: string; fields: Fields }> {
  const rows = tableRows(readDoc('docs/events.md')).filter((cells) => /^`[A-Z]\w+`$/.test(cells[0]));
  return new Map(rows.map((cells) => [codeSpans(cells[0])[0], { stream: codeSpans(cells[1])[0], fields: codeSpans(cells[2]).sort() }]));
}

const names = (fields: Fields): string[] => fields.map((f) => f.replace(/\?$/, '')).sort();

describe('docs/events.md, the event catalogue', () => {
  const code = eventsInCode();
  const catalogue = eventsInCatalogue();

  it('lists every event type the domain declares, and no other', () => {
    expect(code.size).toBeGreaterThan(20);
    expect([...catalogue.keys()].sort()).toEqual([...code.keys()].sort());
  });

  it('gives each event the data fields of its type, `?` marking the optional ones', () => {
    for (const [type, fields] of code) expect({ type, fields: catalogue.get(type)?.fields }).toEqual({ type, fields });
  });

  it('names each event by its stream, published under the category the AsyncAPI document gives it', () => {
    for (const [type, { stream }] of catalogue) {
      expect({ type, stream }).toEqual({ type, stream: expect.stringMatching(/^[a-z]+(-<[A-Za-z-]+>|-[a-z]+)$/) });
      expect({ type, category: subjectCategory(stream) }).toEqual({ type, category: DOMAIN_EVENTS[type]?.category });
    }
  });

  it('agrees with the AsyncAPI document at /docs/asyncapi.json: the same events with the same data fields', () => {
    expect(Object.keys(DOMAIN_EVENTS).sort()).toEqual([...code.keys()].sort());
    for (const [type, fields] of code) {
      const schema = DOMAIN_EVENTS[type]?.data as { properties?: Record<string, unknown> } | undefined;
      expect({ type, fields: Object.keys(schema?.properties ?? {}).sort() }).toEqual({ type, fields: names(fields) });
    }
  });
});
