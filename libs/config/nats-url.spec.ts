import { ConfigError } from './load-config';
import { natsConnectOptions } from './nats-url';

function problemsOf(url: string): string[] {
  try {
    natsConnectOptions(url);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`${url} was accepted`);
}

describe('natsConnectOptions (NATS_URL)', () => {
  describe('servers', () => {
    it.each([
      'nats://127.0.0.1:4222',
      'nats://nats:4222',
      '127.0.0.1:4222',
      'localhost',
      'tls://nats.example.com:4443',
      'nats://[::1]:4222',
      '::1',
    ])('accepts %s, a server that may only be unreachable for now', (url) => {
      expect(natsConnectOptions(url)).toEqual({ servers: [url] });
    });

    it('splits a comma-separated list, trimmed', () => {
      expect(natsConnectOptions('nats://a:4222, nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'] });
    });

    it.each([
      ['nats://host:port', 'is not a server address'],
      ['nats://127.0.0.1:99999', 'is not a server address'],
      ['nats://', 'names no host'],
      ['nats://alice:pw@', 'names no host'],
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

  describe('credentials, which the client takes only apart from the servers', () => {
    it('takes user and password out of the URL, percent-decoded', () => {
      expect(natsConnectOptions('nats://alice:s3cr%3Aet%2Fx%40%25@127.0.0.1:4222')).toEqual({
        servers: ['nats://127.0.0.1:4222'],
        user: 'alice',
        pass: 's3cr:et/x@%',
      });
    });

    it('reads a user part without a password as a token, as NATS URLs mean it', () => {
      expect(natsConnectOptions('nats://t0k%2Fen@nats:4222')).toEqual({ servers: ['nats://nats:4222'], token: 't0k/en' });
    });

    it('keeps an empty password a password', () => {
      expect(natsConnectOptions('nats://alice:@nats:4222')).toEqual({ servers: ['nats://nats:4222'], user: 'alice', pass: '' });
    });

    it('splits at the last @ and the first colon, so unencoded @ and / in a password still read right', () => {
      expect(natsConnectOptions('nats://alice:p@ss/w:d@nats:4222')).toEqual({
        servers: ['nats://nats:4222'],
        user: 'alice',
        pass: 'p@ss/w:d',
      });
    });

    it('reads credentials on a server without a scheme', () => {
      expect(natsConnectOptions('alice:pw@10.0.0.1:4222')).toEqual({ servers: ['10.0.0.1:4222'], user: 'alice', pass: 'pw' });
    });

    it('ignores an empty user part', () => {
      expect(natsConnectOptions('nats://@nats:4222')).toEqual({ servers: ['nats://nats:4222'] });
    });

    it('gives every server the credentials when only one carries them', () => {
      expect(natsConnectOptions('nats://a:4222,nats://alice:pw@b:4222')).toEqual({
        servers: ['nats://a:4222', 'nats://b:4222'],
        user: 'alice',
        pass: 'pw',
      });
    });

    it('accepts the same credentials on every server, however encoded', () => {
      expect(natsConnectOptions('nats://alice:p%2Fw@a:4222,nats://alice:p/w@b:4222')).toEqual({
        servers: ['nats://a:4222', 'nats://b:4222'],
        user: 'alice',
        pass: 'p/w',
      });
    });

    it.each([
      ['other passwords', 'nats://alice:hunter2@a:4222,nats://alice:sesame99@b:4222'],
      ['other users', 'nats://alice:hunter2@a:4222,nats://bob:hunter2@b:4222'],
      ['a password and a token', 'nats://alice:hunter2@a:4222,nats://sesame99@b:4222'],
      ['other tokens', 'nats://hunter2@a:4222,nats://sesame99@b:4222'],
    ])('refuses servers with %s, naming them without the secrets', (_what, url) => {
      const problems = problemsOf(url);
      expect(problems).toEqual([
        'NATS_URL: the servers carry different credentials (nats://***@a:4222, nats://***@b:4222): ' +
          'the client uses one user and password, or one token, for every server',
      ]);
      expect(problems.join()).not.toMatch(/hunter2|sesame99|alice|bob/);
    });

    it('refuses credentials that are not percent-encoded, without showing them', () => {
      const problems = problemsOf('nats://alice:100%sure@nats:4222');
      expect(problems).toEqual([
        'NATS_URL: "nats://***@nats:4222" has credentials that are not percent-encoded: write % as %25 (and @ : / as %40 %3A %2F)',
      ]);
      expect(problems.join()).not.toContain('sure');
    });
  });
});
