import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAT_REQUEST_SCHEMA } from './schemas/chat.schema';
import { MESSAGES_REQUEST_SCHEMA } from './schemas/messages.schema';
import { RESPONSES_REQUEST_SCHEMA } from './schemas/responses.schema';
import type { RequestSchema } from './schemas/request-schema';

const ROOT = join(__dirname, '..', '..', '..');
const documented = (schema: RequestSchema) => Object.keys(schema.properties ?? {});

/** Top-level fields of every request fixture a dialect translation is tested with. */
function fixtureFields(dialect: string): string[] {
  const dir = join(ROOT, 'libs', 'dialects', dialect, 'fixtures');
  const fields = readdirSync(dir)
    .filter((f) => f.endsWith('.request.json'))
    .flatMap((f) => Object.keys(JSON.parse(readFileSync(join(dir, f), 'utf8')) as object));
  return [...new Set(fields)].sort();
}

describe('the request schemas name what the gateway reads', () => {
  it('the chat schema names every field docs/provider-features.md accounts for, with the shapes clients send', () => {
    const table = readFileSync(join(ROOT, 'docs', 'provider-features.md'), 'utf8');
    const fields = [...table.matchAll(/^\| `([a-z_]+)/gm)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(5);
    expect(documented(CHAT_REQUEST_SCHEMA)).toEqual(
      expect.arrayContaining([...fields, 'stream_options', 'tool_choice', 'response_format', 'parallel_tool_calls']),
    );
  });

  it.each([
    ['responses', RESPONSES_REQUEST_SCHEMA],
    ['messages', MESSAGES_REQUEST_SCHEMA],
  ])('the %s schema names every field its translation fixtures use', (dialect, schema) => {
    expect(documented(schema)).toEqual(expect.arrayContaining(fixtureFields(dialect)));
  });
});
