import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBaseUrl, PROVIDER_TYPES, providerFor } from './registry';

/** Folders holding a `<type>.provider.ts`: what a contributor adds for a new type. */
function providerFolders(): string[] {
  return readdirSync(__dirname, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => readdirSync(join(__dirname, entry.name)).some((file) => file.endsWith('.provider.ts')))
    .map((entry) => entry.name);
}

describe('provider registry', () => {
  it('has one line per provider folder, and a folder for every line', () => {
    expect([...PROVIDER_TYPES].sort()).toEqual(providerFolders().sort());
  });

  it.each(PROVIDER_TYPES)('serves the %s adapter under its own type', (type) => {
    expect(providerFor(type).type).toBe(type);
  });

  it('lets the mock carry its own transport', () => {
    expect(typeof (providerFor('mock') as unknown as { transport: { send: unknown } }).transport.send).toBe('function');
  });

  it('knows the public endpoints and has none for azure', () => {
    expect(defaultBaseUrl('openai')).toBe('https://api.openai.com/v1');
    expect(defaultBaseUrl('anthropic')).toBe('https://api.anthropic.com');
    expect(defaultBaseUrl('azure')).toBeUndefined();
  });
});
