import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatternRegistry } from './pattern-registry';
import { renderSystemPrompt } from './pattern';

const shipped = join(__dirname, '../../../config/patterns');

describe('PatternRegistry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'patterns-'));
    cpSync(shipped, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no patterns, rather than failing, where the folder does not exist (a gateway without agents)', () => {
    expect(PatternRegistry.load(join(dir, 'nowhere')).list()).toEqual([]);
  });

  it('lists the shipped patterns with their descriptions', () => {
    const list = PatternRegistry.load(dir).list();
    expect(list.map((p) => p.name)).toEqual(['basic_react', 'deepseek_react']);
    expect(list.every((p) => p.description.length > 10)).toBe(true);
  });

  it('renders tools and question into the prompt', () => {
    const pattern = PatternRegistry.load(dir).get('basic_react')!;
    const prompt = renderSystemPrompt(pattern, { tools: '- calculator: math', toolNames: 'calculator', question: 'what is {{tools}}?' });
    expect(prompt).toContain('- calculator: math');
    expect(prompt).toContain('one of [calculator]');
    expect(prompt).toContain('Question: what is {{tools}}?');
  });

  it('replaces a valid prompt in memory and leaves the file as it was (the store keeps prompts)', () => {
    const registry = PatternRegistry.load(dir);
    const before = readFileSync(join(dir, 'basic_react.yaml'), 'utf8');
    const text = 'Be brief.\nTools:\n{{tools}}\nQuestion: {{question}}\n';
    expect(registry.setSystemPrompt('basic_react', text)).toMatchObject({ ok: true });
    expect(registry.get('basic_react')!.systemPrompt).toBe(text);
    expect(readFileSync(join(dir, 'basic_react.yaml'), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each([
    ['', 'system_prompt must be a non-empty string'],
    ['Question: {{question}}', 'system_prompt must keep the placeholder {{tools}}'],
    ['no placeholders', 'system_prompt must keep the placeholders {{tools}} and {{question}}'],
    ['{{tools}} {{question}}' + 'x'.repeat(40_000), 'system_prompt is longer than 32000 characters'],
  ])('refuses %j and keeps the prompt', (text, reason) => {
    const registry = PatternRegistry.load(dir);
    const before = registry.get('basic_react')!.systemPrompt;
    expect(registry.setSystemPrompt('basic_react', text)).toEqual({ ok: false, code: 'invalid_prompt', reason });
    expect(registry.get('basic_react')!.systemPrompt).toBe(before);
  });

  it('refuses an unknown pattern', () => {
    expect(PatternRegistry.load(dir).setSystemPrompt('nope', '{{tools}}{{question}}')).toMatchObject({
      ok: false,
      code: 'unknown_pattern',
    });
  });
});
