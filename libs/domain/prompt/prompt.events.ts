/**
 * Facts about one ReAct pattern's system prompt, stream `prompt-<pattern>`. `prompt` is the whole
 * new text (what replicas apply), `diff` the lines that changed (what people read), `by` the admin
 * key's name or `file` when the pattern file seeded it.
 */
export type PromptEvent = {
  type: 'PromptChanged';
  data: { pattern: string; prompt: string; diff: string[]; by: string; source: 'file' | 'admin' };
};

export type PromptCommand = {
  type: 'ChangePrompt';
  data: { pattern: string; prompt: string; by: string; source: 'file' | 'admin'; now: string };
};
