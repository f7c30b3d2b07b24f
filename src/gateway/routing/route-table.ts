import type { GatewayConfig, ProviderProfile } from '@switchboard/config';
import type { Provider, ProviderType, Transport } from '@switchboard/providers';

/** One link of an alias's chain, resolved once at start so a request does no lookups. */
export interface RouteTarget {
  /** The profile's name (`openai_main`): what `x-switchboard-provider` names. */
  name: string;
  profile: ProviderProfile;
  /** What the provider calls the model. */
  model: string;
  provider: Provider;
  transport: Transport;
  /** Upstream bytes already speak OpenAI: forward them untouched. */
  passthrough: boolean;
}

export interface RouteAlias {
  name: string;
  chain: RouteTarget[];
  /** Profile names of the chain, for the 503's Retry-After lookup. */
  profiles: string[];
  reasoningMode?: 'react';
}

export type RouteTable = ReadonlyMap<string, RouteAlias>;

export interface RouteTableParts {
  providerFor(type: ProviderType): Provider;
  /** The shared HTTP transport; a provider that carries its own (the mock) uses that instead. */
  transport: Transport;
}

export function compileRouteTable(config: Pick<GatewayConfig, 'models' | 'providers'>, parts: RouteTableParts): RouteTable {
  const table = new Map<string, RouteAlias>();
  for (const alias of Object.values(config.models)) {
    const chain = alias.chain.map((entry) => {
      const profile = config.providers[entry.provider];
      if (!profile) throw new Error(`models.${alias.name}: unknown provider '${entry.provider}'`);
      const provider = parts.providerFor(profile.type);
      return {
        name: profile.name,
        profile,
        model: entry.model,
        provider,
        transport: ownTransport(provider) ?? parts.transport,
        passthrough: provider.response === undefined,
      };
    });
    table.set(alias.name, {
      name: alias.name,
      chain,
      profiles: [...new Set(chain.map((t) => t.name))],
      ...(alias.reasoningMode ? { reasoningMode: alias.reasoningMode } : {}),
    });
  }
  return table;
}

function ownTransport(provider: Provider): Transport | undefined {
  const transport = (provider as Provider & { transport?: Transport }).transport;
  return transport && typeof transport.send === 'function' ? transport : undefined;
}
