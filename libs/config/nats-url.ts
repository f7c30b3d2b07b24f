import { ConfigError } from './load-config';

/**
 * NATS_URL as the NATS client's connect options. The client (@nats-io/transport-node) ignores
 * credentials written in a server URL, so they travel apart: `user`/`pass`, or `token`. Spread it
 * into `connect()` (or Nest's NATS transport options); `servers` carry no credentials and may be logged.
 */
export interface NatsConnectOptions {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * Reads NATS_URL: servers separated by commas, each an optional scheme, optional credentials
 * (`user:password@`, or `token@`, percent-encoded), a host and an optional port. The client uses
 * one set of credentials for every server, so the servers that carry credentials must carry the
 * same ones. Throws a `ConfigError` naming each problem, credentials masked.
 */
export function natsConnectOptions(url: string): NatsConnectOptions {
  const servers = url.split(',').map((s) => readServer(s.trim()));
  const problems = servers.flatMap((s) => (s.problem ? [`NATS_URL: ${JSON.stringify(s.shown)} ${s.problem}`] : []));
  const withCredentials = servers.filter((s) => s.credentials);
  const [first] = withCredentials;
  if (withCredentials.some((s) => !sameCredentials(s.credentials!, first.credentials!))) {
    problems.push(
      `NATS_URL: the servers carry different credentials (${withCredentials.map((s) => s.shown).join(', ')}): ` +
        'the client uses one user and password, or one token, for every server',
    );
  }
  if (problems.length > 0) throw new ConfigError('NATS_URL', problems);
  return { servers: servers.map((s) => s.server), ...first?.credentials };
}

type Credentials = { user: string; pass: string } | { token: string };

interface ReadServer {
  /** Without its credentials, as the client is given it. */
  server: string;
  credentials?: Credentials;
  /** For messages: credentials masked. */
  shown: string;
  problem?: string;
}

function readServer(text: string): ReadServer {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  const rest = text.slice(scheme.length);
  // The last `@` ends the credentials: a password with an unencoded `@` still splits right.
  const at = rest.lastIndexOf('@');
  const server = scheme + rest.slice(at + 1);
  const shown = at < 0 ? text : `${scheme}***@${rest.slice(at + 1)}`;
  const problem = malformed(server, scheme.slice(0, -3).toLowerCase());
  // `nats://@host`: an empty user part carries nothing.
  if (problem || at <= 0) return { server, shown, problem };
  try {
    return { server, shown, credentials: credentialsOf(rest.slice(0, at)) };
  } catch {
    return { server, shown, problem: 'has credentials that are not percent-encoded: write % as %25 (and @ : / as %40 %3A %2F)' };
  }
}

/** `user:password` (the password may be empty), or a token alone, as NATS URLs mean them. */
function credentialsOf(userinfo: string): Credentials {
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { token: decodeURIComponent(userinfo) };
  return { user: decodeURIComponent(userinfo.slice(0, colon)), pass: decodeURIComponent(userinfo.slice(colon + 1)) };
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  if ('token' in a || 'token' in b) return 'token' in a && 'token' in b && a.token === b.token;
  return a.user === b.user && a.pass === b.pass;
}

/** A server (credentials removed) checked the way the client reads it. */
function malformed(server: string, scheme: string): string | undefined {
  if (server === '') return 'is empty: expected nats://host:4222, several separated by commas';
  if (scheme === 'ws' || scheme === 'wss') return 'is a websocket URL: Switchboard speaks nats:// (or tls://)';
  let hostPort = server.slice(scheme ? scheme.length + 3 : 0);
  if (hostPort === '') return 'names no host: expected nats://host:4222';
  // A bare IPv6 address (`::1`): the client brackets it.
  if (!hostPort.includes('[') && hostPort.split(':').length > 2) hostPort = `[${hostPort}]`;
  try {
    if (new URL(`nats://${hostPort}`).hostname === '') return 'names no host: expected nats://host:4222';
  } catch {
    return 'is not a server address: expected nats://host:4222';
  }
  return undefined;
}
