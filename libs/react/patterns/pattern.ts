/** A ReAct prompting pattern, read from `config/patterns/<name>.yaml`. */
export interface Pattern {
  name: string;
  description: string;
  /** `think_tags`: the model reasons in `<think>...</think>`, which becomes the step's thought. */
  reasoning: 'none' | 'think_tags';
  markers: StepMarkers;
  stop: string[];
  /** Template with `{{tools}}`, `{{tool_names}}` and `{{question}}`. */
  systemPrompt: string;
  /** The file it was read from (saving writes back there). */
  file: string;
}

export interface StepMarkers {
  thought: string;
  action: string;
  actionInput: string;
  observation: string;
  finalAnswer: string;
}

export const REQUIRED_PLACEHOLDERS = ['{{tools}}', '{{question}}'] as const;
export const MAX_SYSTEM_PROMPT_CHARS = 32_000;

/** Why a system prompt may not be saved, or `undefined` when it may. */
export function systemPromptProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.trim() === '') return 'system_prompt must be a non-empty string';
  if (text.length > MAX_SYSTEM_PROMPT_CHARS) return `system_prompt is longer than ${MAX_SYSTEM_PROMPT_CHARS} characters`;
  const missing = REQUIRED_PLACEHOLDERS.filter((p) => !text.includes(p));
  if (missing.length > 0) return `system_prompt must keep the placeholder${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}`;
  return undefined;
}

/** Fills the template; placeholders are replaced once, so a question containing `{{tools}}` stays as typed. */
export function renderSystemPrompt(pattern: Pattern, vars: { tools: string; toolNames: string; question: string }): string {
  const values: Record<string, string> = { tools: vars.tools, tool_names: vars.toolNames, question: vars.question };
  return pattern.systemPrompt.replace(/\{\{(tools|tool_names|question)\}\}/g, (_, key: string) => values[key]);
}
