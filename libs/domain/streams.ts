/** One helper per stream category, so a stream name is spelled in one place. */
export const apiKeyStream = (fingerprint: string): string => `apikey-${fingerprint}`;
export const providerStream = (profile: string): string => `provider-${profile}`;
export const reactStream = (sessionId: string): string => `react-${sessionId}`;
export const clientStream = (name: string): string => `client-${name}`;
export const promptStream = (pattern: string): string => `prompt-${pattern}`;
/** One config for every process of a deployment. */
export const CONFIG_STREAM = 'config-gateway';

export type StreamCategory = 'apikey' | 'provider' | 'react' | 'client' | 'prompt' | 'config';

/** `apikey-abc` -> `{category: 'apikey', id: 'abc'}`; the id may itself contain dashes. */
export function parseStream(stream: string): { category: string; id: string } {
  const dash = stream.indexOf('-');
  return dash < 0 ? { category: stream, id: '' } : { category: stream.slice(0, dash), id: stream.slice(dash + 1) };
}
