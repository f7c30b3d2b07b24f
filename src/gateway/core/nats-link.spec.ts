import { ConfigError } from '@switchboard/config';
import { natsServers } from './nats-link';

function problemsOf(url: string): string[] {
  try {
    natsServers(url);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`${url} was accepted`);
}

describe('natsServers (NATS_URL)', () => {
  it.each([
    'nats://127.0.0.1:4222',
    'nats://nats:4222',
    '127.0.0.1:4222',
    'localhost',
    'tls://nats.example.com:4443',
    'nats://user:pass@nats:4222',
    'nats://[::1]:4222',
    '::1',
  ])('accepts %s, a server that may only be unreachable for now', (url) => {
    expect(natsServers(url)).toEqual([url]);
  });

  it('splits a comma-separated list, trimmed', () => {
    expect(natsServers('nats://a:4222, nats://b:4222')).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it.each([
    ['nats://host:port', 'is not a server address'],
    ['nats://127.0.0.1:99999', 'is not a server address'],
    ['nats://', 'names no host'],
    ['ws://127.0.0.1:4222', 'is a websocket URL'],
    ['nats://a:4222,', 'is empty'],
  ])('refuses %s: a config error, not an outage', (url, why) => {
    const problems = problemsOf(url);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^NATS_URL: /);
    expect(problems[0]).toContain(why);
  });

  it('names each malformed server without its credentials', () => {
    const problems = problemsOf('nats://ok:4222,nats://admin:s3cr@t@nats:42x22');
    expect(problems).toEqual([expect.stringContaining('"nats://***@nats:42x22" is not a server address')]);
    expect(problems.join()).not.toMatch(/admin|s3cr/);
  });
});
