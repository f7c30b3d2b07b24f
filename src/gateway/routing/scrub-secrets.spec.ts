import { scrubSecrets } from './scrub-secrets';

const vault = {
  keys: new Map([
    ['fp-serving', 'key-serving-1'],
    ['fp-other', 'key-other-22'],
    ['fp-elsewhere', 'key-elsewhere-3'],
  ]),
  secret(fp: string) {
    return this.keys.get(fp);
  },
  fingerprints: (profile: string) => (profile === 'main' ? ['fp-serving', 'fp-other'] : ['fp-elsewhere']),
};

describe('scrubSecrets', () => {
  it('replaces the serving key and every other key of the profile by its fingerprint, each time it appears', () => {
    expect(scrubSecrets('Bearer key-serving-1 refused; key-serving-1 and key-other-22 are blocked', vault, 'main', 'fp-serving')).toBe(
      'Bearer fp-serving refused; fp-serving and fp-other are blocked',
    );
  });

  it('scrubs the serving key even when the profile no longer lists it (its keys file just changed)', () => {
    expect(scrubSecrets('got key-elsewhere-3', vault, 'main', 'fp-elsewhere')).toBe('got fp-elsewhere');
  });

  it('leaves a text without keys as it is', () => {
    const text = '{"error":{"message":"model not found"}}';
    expect(scrubSecrets(text, vault, 'main', 'fp-serving')).toBe(text);
  });
});
