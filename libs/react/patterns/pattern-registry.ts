import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { systemPromptProblem, type Pattern, type StepMarkers } from './pattern';

const PATTERN_EXTENSIONS = ['.yaml', '.yml'];

/** Reads every `<name>.yaml` of `dir`; a broken file is an error naming the file and the field. */
export function loadPatterns(dir: string): Pattern[] {
  // No folder, no patterns: a gateway without agents need not ship one (config validation
  // already refuses an agent alias whose pattern is missing).
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => PATTERN_EXTENSIONS.includes(extname(f)))
    .sort();
  return files.map((f) => parsePattern(join(dir, f), readFileSync(join(dir, f), 'utf8')));
}

export function parsePattern(file: string, text: string): Pattern {
  const name = basename(file, extname(file));
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  const problem = (field: string, message: string) => new Error(`${file}: ${field}: ${message}`);
  const str = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') throw problem(field, 'must be a non-empty string');
    return value;
  };
  const markersRaw = (raw.markers ?? {}) as Record<string, unknown>;
  const markers: StepMarkers = {
    thought: str(markersRaw.thought, 'markers.thought'),
    action: str(markersRaw.action, 'markers.action'),
    actionInput: str(markersRaw.action_input, 'markers.action_input'),
    observation: str(markersRaw.observation, 'markers.observation'),
    finalAnswer: str(markersRaw.final_answer, 'markers.final_answer'),
  };
  const reasoning = raw.reasoning ?? 'none';
  if (reasoning !== 'none' && reasoning !== 'think_tags') throw problem('reasoning', 'must be none or think_tags');
  const stop = raw.stop ?? [];
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) throw problem('stop', 'must be a list of strings');
  const promptProblem = systemPromptProblem(raw.system_prompt);
  if (promptProblem) throw problem('system_prompt', promptProblem);
  return {
    name,
    description: str(raw.description, 'description'),
    reasoning,
    markers,
    stop: stop as string[],
    systemPrompt: raw.system_prompt as string,
    file,
  };
}

export type SavePromptResult = { ok: true; pattern: Pattern } | { ok: false; code: 'unknown_pattern' | 'invalid_prompt'; reason: string };

/** The patterns the engine can use, and the one place their system prompts are edited. */
export class PatternRegistry {
  private readonly patterns: Map<string, Pattern>;

  constructor(patterns: Pattern[]) {
    this.patterns = new Map(patterns.map((p) => [p.name, p]));
  }

  static load(dir: string): PatternRegistry {
    return new PatternRegistry(loadPatterns(dir));
  }

  list(): Array<{ name: string; description: string }> {
    return [...this.patterns.values()].map(({ name, description }) => ({ name, description }));
  }

  get(name: string): Pattern | undefined {
    return this.patterns.get(name);
  }

  /**
   * Replaces a pattern's prompt in memory, from the store (`PromptChanged`): the files only seed
   * the store, so a read-only config folder is fine and nothing in the tree changes.
   */
  setSystemPrompt(name: string, text: unknown): SavePromptResult {
    const pattern = this.patterns.get(name);
    if (!pattern) return { ok: false, code: 'unknown_pattern', reason: `unknown pattern '${name}'` };
    const problem = systemPromptProblem(text);
    if (problem) return { ok: false, code: 'invalid_prompt', reason: problem };
    const updated = { ...pattern, systemPrompt: text as string };
    this.patterns.set(name, updated);
    return { ok: true, pattern: updated };
  }
}
