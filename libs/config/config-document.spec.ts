import { fingerprint } from '@switchboard/domain';
import { literalSecrets, maskSecrets, processLocalSecrets, unknownSecrets, type ConfigDocument } from './config-document';

const FILE_KEY = 'sk-doc-from-the-file-0001';
const SENT_KEY = 'sk-doc-sent-by-a-put-0002';
const CLIENT_KEY = 'sb-doc-client-0003';
const ADMIN_KEY = 'sb-doc-admin-0004';
const TAVILY_KEY = 'tvly-doc-0005';

/** A config as an operator writes it: literal secrets in every place one can go, beside `${VAR}` references. */
const document = (): ConfigDocument => ({
  auth: {
    client_keys: [CLIENT_KEY, { name: 'ci', key_env: 'CI_KEY' }, { name: 'batch', key: '${BATCH_KEY}' }],
    admin_keys: [{ name: 'ops', key: ADMIN_KEY }],
  },
  providers: {
    openai: { type: 'openai', keys: [FILE_KEY, SENT_KEY, '${OPENAI_API_KEY}'] },
    spare: { type: 'openai', keys_file: 'keys/spare.keys' },
  },
  tools: { web_search: { tavily_api_key: TAVILY_KEY } },
});

describe('literalSecrets', () => {
  it('names every literal secret by its path and fingerprint, and no ${VAR} reference', () => {
    expect(literalSecrets(document())).toEqual([
      { path: 'providers.openai.keys[0]', fingerprint: fingerprint(FILE_KEY) },
      { path: 'providers.openai.keys[1]', fingerprint: fingerprint(SENT_KEY) },
      { path: 'auth.client_keys[0]', fingerprint: fingerprint(CLIENT_KEY) },
      { path: 'auth.admin_keys[0].key', fingerprint: fingerprint(ADMIN_KEY) },
      { path: 'tools.web_search.tavily_api_key', fingerprint: fingerprint(TAVILY_KEY) },
    ]);
  });

  it('finds the same secrets at the same paths in the masked document the store keeps', () => {
    expect(literalSecrets(maskSecrets(document()))).toEqual(literalSecrets(document()));
  });
});

describe('processLocalSecrets: what a PUT answers about its literal secrets', () => {
  const fromFile = new Set([fingerprint(FILE_KEY)]);

  it('warns of each literal secret the process file does not hold: it reaches this process only, until a restart', () => {
    const known = new Map<string, string>();
    maskSecrets(document(), known);
    const warnings = processLocalSecrets(document(), { fromFile, known });
    expect(warnings.map((w) => [w.path, w.fingerprint])).toEqual([
      ['providers.openai.keys[1]', fingerprint(SENT_KEY)],
      ['auth.client_keys[0]', fingerprint(CLIENT_KEY)],
      ['auth.admin_keys[0].key', fingerprint(ADMIN_KEY)],
      ['tools.web_search.tavily_api_key', fingerprint(TAVILY_KEY)],
    ]);
    const [upstream, client] = warnings;
    expect(upstream.message).toMatch(/^providers\.openai\.keys\[1\] \([0-9a-f]{16}\): a literal secret reaches only this process/);
    expect(upstream.message).toMatch(/other replicas see only the mask.*loses it on restart/);
    expect(upstream.message).toContain("${VAR} in every process's environment, or in the profile's keys file");
    expect(client.message).toContain('${VAR} or key_env');
  });

  it('never repeats a secret it warns of', () => {
    const text = JSON.stringify(processLocalSecrets(document(), { fromFile, known: new Map() }));
    for (const secret of [SENT_KEY, CLIENT_KEY, ADMIN_KEY, TAVILY_KEY]) expect(text).not.toContain(secret);
  });

  it('says of a mask the process cannot turn back that it is not used here at all', () => {
    const masked = maskSecrets({ providers: { openai: { type: 'openai', keys: [SENT_KEY] } } });
    expect(processLocalSecrets(masked, { fromFile, known: new Map() })).toEqual([
      {
        path: 'providers.openai.keys[0]',
        fingerprint: fingerprint(SENT_KEY),
        message: expect.stringContaining('this process does not know it, so it does not use it'),
      },
    ]);
  });

  it("has nothing to say of a config whose secrets are ${VAR} references, keys files and the process's own file", () => {
    const shared: ConfigDocument = {
      auth: { client_keys: [{ name: 'ci', key_env: 'CI_KEY' }] },
      providers: { openai: { type: 'openai', keys: ['${OPENAI_API_KEY}', FILE_KEY] }, spare: { type: 'openai', keys_file: 'k' } },
    };
    expect(processLocalSecrets(shared, { fromFile, known: new Map([[fingerprint(FILE_KEY), FILE_KEY]]) })).toEqual([]);
  });
});

describe('unknownSecrets: what a replica applying a stored config cannot use', () => {
  it('lists the masks whose secret the process lacks, by path', () => {
    const stored = maskSecrets(document());
    const known = new Map([[fingerprint(FILE_KEY), FILE_KEY]]);
    expect(unknownSecrets(stored, known).map((u) => u.path)).toEqual([
      'providers.openai.keys[1]',
      'auth.client_keys[0]',
      'auth.admin_keys[0].key',
      'tools.web_search.tavily_api_key',
    ]);
    expect(unknownSecrets(stored, new Map())[0].message).toMatch(
      /^providers\.openai\.keys\[0\] \([0-9a-f]{16}\): the config holds this secret masked and this process does not know it, so it does not use it/,
    );
  });
});
