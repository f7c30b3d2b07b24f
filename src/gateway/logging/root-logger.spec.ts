import { createRootLogger } from './root-logger';

describe('the root logger redacts credentials by configuration', () => {
  const held = ['sk-upstream-secret-000000000001'];
  let revision = 0;
  const capture = () => {
    let output = '';
    const { logger } = createRootLogger({
      env: { LOG_LEVEL: 'info' },
      secrets: { revision: 0, secrets: () => held },
      destination: { write: (line: string) => void (output += line) },
    });
    return { logger, output: () => output };
  };

  it('censors authorization, x-api-key and api-key headers wherever they sit in a logged object', () => {
    const { logger, output } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer a-client-token', 'x-api-key': 'an-admin-token', 'api-key': 'an-azure-key' } } });
    logger.info({ headers: { authorization: 'Bearer second' }, upstream: { 'api-key': 'third-key' } });
    for (const secret of ['a-client-token', 'an-admin-token', 'an-azure-key', 'second', 'third-key'])
      expect(output()).not.toContain(secret);
    expect(output()).toContain('[REDACTED]');
  });

  it('censors every key value the process holds, in messages and error texts too', () => {
    const { logger, output } = capture();
    logger.warn(`upstream said: Incorrect API key provided: ${held[0]}`);
    logger.error({ err: new Error(`refused ${held[0]}`) }, 'failed');
    expect(output()).not.toContain(held[0]);
    expect(output().match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('the request lines are censored of every key value the process holds too', () => {
    let output = '';
    const { requestLines } = createRootLogger({
      env: {},
      secrets: { revision: 0, secrets: () => held },
      destination: { write: (line: string) => void (output += line) },
    });
    expect(requestLines.enabled).toBe(true);
    requestLines.write(`{"attempts":[{"reason":"echoed ${held[0]}"}],"msg":"request finished"}\n`);
    expect(output).toContain('request finished');
    expect(output).not.toContain(held[0]);
  });

  it('request lines are off below info', () => {
    const { requestLines } = createRootLogger({ env: { LOG_LEVEL: 'warn' }, secrets: { revision: 0, secrets: () => [] } });
    expect(requestLines.enabled).toBe(false);
  });

  it('reads the keys again when they change', () => {
    let output = '';
    const secrets = ['sk-first-key-00000000000000001'];
    const source = { revision, secrets: () => secrets };
    const { logger } = createRootLogger({ env: {}, secrets: source, destination: { write: (line: string) => void (output += line) } });
    logger.info('one sk-later-key-0000000000000002');
    secrets.push('sk-later-key-0000000000000002');
    source.revision = ++revision;
    logger.info('two sk-later-key-0000000000000002');
    expect(output).toContain('one sk-later-key');
    expect(output).not.toContain('two sk-later-key');
  });

  it('refuses an unknown LOG_LEVEL, naming it', () => {
    expect(() => createRootLogger({ env: { LOG_LEVEL: 'loud' }, secrets: { revision: 0, secrets: () => [] } })).toThrow(/LOG_LEVEL.*loud/);
  });
});
