import { anthropicProvider } from './anthropic/anthropic.provider';
import { azureProvider } from './azure/azure.provider';
import { cohereProvider } from './cohere/cohere.provider';
import { geminiProvider } from './gemini/gemini.provider';
import { mockProvider } from './mock/mock.provider';
import { openAiProvider } from './openai/openai.provider';
import type { Provider, ProviderType } from './provider';

/** One line per provider type: a new type is a new folder plus a line here. */
const PROVIDERS: Partial<Record<ProviderType, Provider>> = {
  openai: openAiProvider as Provider,
  azure: azureProvider as Provider,
  mock: mockProvider as Provider,
  anthropic: anthropicProvider as Provider,
  gemini: geminiProvider as Provider,
  cohere: cohereProvider as Provider,
};

/** Where each type lives when the profile names no `base_url` (azure has no public default). */
const DEFAULT_BASE_URLS: Record<ProviderType, string | undefined> = {
  openai: 'https://api.openai.com/v1',
  azure: undefined,
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  cohere: 'https://api.cohere.com',
  mock: 'mock://local',
};

export function providerFor(type: ProviderType): Provider {
  const provider = PROVIDERS[type];
  if (!provider) throw new Error(`no provider adapter registered for type '${type}'`);
  return provider;
}

export function defaultBaseUrl(type: ProviderType): string | undefined {
  return DEFAULT_BASE_URLS[type];
}
