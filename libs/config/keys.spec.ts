import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import type { ProviderProfile } from './config.types';
import { KeyVault } from './key-vault';
import { parseKeysFile, readProfileKeys } from './keys';
import { planKeySync } from './keys-sync';

const profile = (over: Partial<ProviderProfile>): ProviderProfile => ({
  name: 'openai_main',
  type: 'openai',
  baseUrl: 'https://api.openai.com/v1',
  keys: [],
  timeoutMs: 1000,
  connectTimeoutMs: 1000,
  ...over,
});

describe('keys files', () => {
  it('take one key a line, skipping comments and blank lines', () => {
    expect(parseKeysFile('# team A\nsk-one\n\n  sk-two  \r\n#sk-commented\n')).toEqual(['sk-one', 'sk-two']);
  });

  it('are united with the keys of the config, without repeats', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sb-keys-')), 'openai_main.keys');
    writeFileSync(file, 'sk-file\nsk-both\n');
    expect(readProfileKeys(profile({ keys: ['sk-both', 'sk-config'], keysFile: file }))).toEqual(['sk-both', 'sk-config', 'sk-file']);
  });

  it('contribute nothing while the file does not exist', () => {
    expect(readProfileKeys(profile({ keys: ['sk-a'], keysFile: '/nonexistent/x.keys' }))).toEqual(['sk-a']);
  });
});

describe('KeyVault', () => {
  it('finds a secret by its fingerprint and forgets replaced keys', () => {
    const vault = new KeyVault();
    expect(vault.replace('p', ['sk-one', 'sk-two'])).toEqual([]);
    expect(vault.fingerprints('p')).toEqual([fingerprint('sk-one'), fingerprint('sk-two')]);
    expect(vault.secret(fingerprint('sk-two'))).toBe('sk-two');
    vault.replace('p', ['sk-three']);
    expect(vault.secret(fingerprint('sk-one'))).toBeUndefined();
    expect(vault.fingerprints('p')).toEqual([fingerprint('sk-three')]);
  });

  describe('a key two profiles list (after a keys file edit: config load refuses it at start)', () => {
    const shared = fingerprint('sk-shared');

    it('stays with the profile holding it, which keeps its secret, and is reported to the other', () => {
      const vault = new KeyVault();
      vault.replace('a', ['sk-shared', 'sk-a']);
      expect(vault.replace('b', ['sk-b', 'sk-shared'])).toEqual([{ fingerprint: shared, holder: 'a' }]);
      expect(vault.fingerprints('a')).toEqual([shared, fingerprint('sk-a')]);
      expect(vault.fingerprints('b')).toEqual([fingerprint('sk-b')]);
      vault.replace('b', ['sk-b']);
      expect(vault.secret(shared)).toBe('sk-shared');
    });

    it('moves to the other profile once the holder no longer lists it', () => {
      const vault = new KeyVault();
      vault.replace('a', ['sk-shared']);
      vault.replace('b', ['sk-shared']);
      expect(vault.replace('a', [])).toEqual([]);
      expect(vault.fingerprints('b')).toEqual([shared]);
      expect(vault.secret(shared)).toBe('sk-shared');
    });

    it('is held by the first profile listing it when nobody held it before', () => {
      const vault = new KeyVault();
      vault.replace('b', ['sk-shared']);
      vault.replace('a', ['sk-shared']);
      expect(vault.fingerprints('b')).toEqual([shared]);
      expect(vault.fingerprints('a')).toEqual([]);
    });
  });
});

describe('planKeySync', () => {
  it('registers new keys and removes keys that left the file', () => {
    expect(planKeySync(['a', 'b', 'c'], ['b', 'd'])).toEqual({ register: ['a', 'c'], remove: ['d'] });
  });

  it('plans nothing when the file and the store agree', () => {
    expect(planKeySync(['a'], ['a'])).toEqual({ register: [], remove: [] });
  });
});
