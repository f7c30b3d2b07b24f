import type { SecretSource } from './routing-deps';

/**
 * Upstream words on their way to a client (an error body, an error event, an attempt's reason)
 * with the serving key and every key of its profile replaced by its fingerprint: some providers and
 * proxies echo the key they were sent ("Incorrect API key provided: sk-…"), and the client must
 * never learn it. Error paths only: a successful answer is never scanned.
 */
export function scrubSecrets(text: string, secrets: SecretSource, profile: string, serving: string): string {
  let scrubbed = replaceSecret(text, secrets, serving);
  for (const fingerprint of secrets.fingerprints(profile)) {
    if (fingerprint !== serving) scrubbed = replaceSecret(scrubbed, secrets, fingerprint);
  }
  return scrubbed;
}

function replaceSecret(text: string, secrets: SecretSource, fingerprint: string): string {
  const secret = secrets.secret(fingerprint);
  return secret && text.includes(secret) ? text.replaceAll(secret, fingerprint) : text;
}
