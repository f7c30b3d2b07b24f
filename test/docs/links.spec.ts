import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { filesUnder, readDoc, ROOT } from './markdown';

const DOCS = ['README.md', ...filesUnder('docs', /\.md$/)];

/** GitHub's anchor for a heading: lower case, code marks and punctuation dropped, spaces as dashes. */
const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = (file: string): string[] => [...readDoc(file).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]));

/** Links of a Markdown file outside code blocks: `[text](target)`. */
function linksOf(file: string): string[] {
  const text = readDoc(file).replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

describe('README.md and docs/ link only to what the repository holds', () => {
  it.each(DOCS)('%s: every relative link names a file (and a heading) that exists', (file) => {
    for (const link of linksOf(file).filter((l) => !/^[a-z]+:/.test(l))) {
      const [path, hash] = link.split('#');
      const target = path ? normalize(join(dirname(file), path)) : file;
      expect({ link, exists: existsSync(join(ROOT, target)) }).toEqual({ link, exists: true });
      if (hash && target.endsWith('.md'))
        expect({ link, anchors: anchorsOf(target) }).toEqual({ link, anchors: expect.arrayContaining([hash]) });
    }
  });

  it.each(DOCS)(
    '%s: every file of the repository it names in code (`src/gateway/routing/route-request.ts`, `core/key-sync.ts`) exists',
    (file) => {
      const named = [...readDoc(file).matchAll(/`([\w.-]+\/[\w./-]*(?:\.(?:ts|md|json|yaml|yml|mjs|js)|\/))`/g)].map((m) => m[1]);
      // A short path is relative to the part of the tree the page is about: a gateway module or a library.
      const bases = ['', dirname(file), 'src/gateway', 'src', 'libs', 'libs/domain', 'libs/providers', 'libs/react', 'libs/event-store'];
      for (const path of named) {
        expect({ path, exists: bases.some((base) => existsSync(join(ROOT, base, path))) }).toEqual({ path, exists: true });
      }
    },
  );

  it.each(DOCS)('%s: no design document outside the repository', (file) => {
    expect(readDoc(file)).not.toMatch(/shared\/DESIGN|\/work\/|DESIGN\.md/);
  });

  it("docs/architecture.md's module map names every folder of src/gateway/ and libs/, and no other", () => {
    const map = readDoc('docs/architecture.md').split('## Modules by capability')[1].split('```')[1];
    const gateway = [...map.matchAll(/^ {2}([a-z0-9-]+)\/ /gm)].map((m) => `src/gateway/${m[1]}`);
    const top = [...map.matchAll(/^((?:src|libs)\/[a-z0-9-]+)\/ /gm)].map((m) => m[1]);
    const folders = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${dir}/${entry.name}`);
    expect([...gateway, ...top].sort()).toEqual(
      [...folders('src/gateway'), ...folders('libs'), ...folders('src').filter((f) => f !== 'src/gateway')].sort(),
    );
  });
});
