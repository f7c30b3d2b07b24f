import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const read = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'));

/**
 * tsconfig's `paths` is the one list of `@switchboard/*` aliases: jest and tsc-alias read it, and
 * every lib folder has its alias.
 */
describe('the @switchboard/* aliases', () => {
  const paths: Record<string, string[]> = read('tsconfig.json').compilerOptions.paths;
  const aliased = Object.keys(paths).map((alias) => alias.replace('@switchboard/', ''));

  it('point at each lib folder index, one per lib folder', () => {
    for (const [alias, [target]] of Object.entries(paths))
      expect([alias, target]).toEqual([alias, `libs/${alias.replace('@switchboard/', '')}/index.ts`]);
    const folders = readdirSync(join(root, 'libs')).filter((name) => existsSync(join(root, 'libs', name, 'index.ts')));
    expect(aliased.sort()).toEqual(folders.sort());
  });
});
