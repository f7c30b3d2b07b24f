import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedFeatureError, type ProviderType } from './provider';
import { defaultBaseUrl, providerFor } from './registry';

/**
 * docs/provider-features.md says, per provider type, what becomes of each chat request field:
 * `passed` (sent as is), `translated` (to the provider's own field), `emulated` (by other means),
 * `accepted` (no counterpart, nothing to do) or `refused` (400 naming the field, or the next
 * profile of the chain). This spec sends each row's sample request through each type's real
 * mapper and checks the table against what the code does.
 */
const SAMPLES: Record<string, Record<string, unknown>> = {
  'response_format: json_schema': {
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'event', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } },
    },
  },
  'response_format: json_object': { response_format: { type: 'json_object' } },
  'parallel_tool_calls: false': { tools: [{ type: 'function', function: { name: 'f' } }], parallel_tool_calls: false },
  'tool_choice: required': { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' },
  'tool_choice: {function}': {
    tools: [{ type: 'function', function: { name: 'f' } }],
    tool_choice: { type: 'function', function: { name: 'f' } },
  },
  stop: { stop: ['END'] },
  seed: { seed: 7 },
  'n: 2': { n: 2 },
  logprobs: { logprobs: true },
  presence_penalty: { presence_penalty: 0.5 },
  logit_bias: { logit_bias: { '50256': -100 } },
  reasoning_effort: { reasoning_effort: 'low' },
  'temperature: 1.5': { temperature: 1.5 },
};

const TYPES: ProviderType[] = ['openai', 'azure', 'anthropic', 'gemini', 'cohere', 'mock'];

function verdict(type: ProviderType, extra: Record<string, unknown>): 'refused' | 'passed' | 'handled' {
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra };
  const profile = { name: type, type, baseUrl: defaultBaseUrl(type) ?? 'https://example.openai.azure.com' };
  try {
    const req = providerFor(type).request('chat', body, { profile, model: 'm', key: 'k', stream: false });
    const sent = JSON.parse(req.body ?? '{}') as Record<string, unknown>;
    return Object.entries(extra).every(([field, value]) => JSON.stringify(sent[field]) === JSON.stringify(value)) ? 'passed' : 'handled';
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) return 'refused';
    throw error;
  }
}

function documentedTable(): Map<string, Record<ProviderType, string>> {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'provider-features.md'), 'utf8');
  const rows = new Map<string, Record<ProviderType, string>>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const field = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!field) continue;
    rows.set(field, Object.fromEntries(TYPES.map((t, i) => [t, cells[i + 2].split(/[\s:]/)[0]])) as Record<ProviderType, string>);
  }
  return rows;
}

describe('docs/provider-features.md matches what each provider mapper does', () => {
  const table = documentedTable();

  it('documents every sampled field, and samples every documented one', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.keys(SAMPLES).flatMap((field) => TYPES.map((type) => [field, type] as const)))('%s on %s', (field, type) => {
    const said = table.get(field)?.[type];
    const did = verdict(type, SAMPLES[field]);
    if (said === 'refused' || said === 'passed') expect(did).toBe(said);
    else {
      expect(['translated', 'emulated', 'accepted']).toContain(said);
      expect(did).not.toBe('refused');
    }
  });
});
