import { anthropicProvider } from './anthropic/anthropic.provider';
import { azureProvider } from './azure/azure.provider';
import { cohereProvider } from './cohere/cohere.provider';
import { geminiProvider } from './gemini/gemini.provider';
import { mockProvider } from './mock/mock.provider';
import { openAiProvider } from './openai/openai.provider';
import type { Provider } from './provider';

/**
 * One line per provider type: a new type is a new folder plus a line here. The type union, the
 * config's list of types and the default URLs are all read from this table
 * (`registry.spec.ts` checks it against the folders).
 */
const PROVIDERS = {
  openai: openAiProvider,
  azure: azureProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  cohere: cohereProvider,
  mock: mockProvider,
};

/** The provider types a profile may name. */
export type ProviderType = keyof typeof PROVIDERS;

/** Every type, in the registry's order (what the config accepts and lists in its error). */
export const PROVIDER_TYPES = Object.freeze(Object.keys(PROVIDERS)) as readonly ProviderType[];

export function providerFor(type: ProviderType): Provider {
  const provider: Provider | undefined = PROVIDERS[type] as Provider | undefined;
  if (!provider) throw new Error(`no provider adapter registered for type '${type}'`);
  return provider;
}

export function defaultBaseUrl(type: ProviderType): string | undefined {
  return providerFor(type).defaultBaseUrl;
}
