import type { ProviderType } from './provider';
import { defaultBaseUrl, providerFor } from './registry';

describe('provider registry', () => {
  it.each<ProviderType>(['openai', 'azure', 'mock'])('serves the %s adapter under its own type', (type) => {
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
