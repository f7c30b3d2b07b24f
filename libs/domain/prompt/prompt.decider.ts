import type { Decider } from '../decider';
import { lineDiff } from './line-diff';
import type { PromptCommand, PromptEvent } from './prompt.events';

/*
 * Invariants of one pattern's prompt (stream `prompt-<pattern>`):
 * - The current prompt is the last one recorded, whoever recorded it.
 * - An admin change equal to the current prompt records nothing.
 * - A file's prompt seeds the store once: only a prompt no file seeded before is recorded, whichever
 *   process read it (the config's rule, for the same reason). A prompt changed through the admin
 *   API survives a restart with the file as it was, and processes started with different pattern
 *   files converge on the last new one instead of undoing each other at every start.
 */
export interface PromptState {
  prompt: string | undefined;
  /** Every prompt a pattern file seeded. */
  seeded: ReadonlySet<string>;
}

function decide(command: PromptCommand, state: PromptState): PromptEvent[] {
  const { pattern, prompt, by, source } = command.data;
  if (source === 'file' ? state.seeded.has(prompt) : prompt === state.prompt) return [];
  return [{ type: 'PromptChanged', data: { pattern, prompt, diff: lineDiff(state.prompt ?? '', prompt), by, source } }];
}

function evolve(state: PromptState, event: PromptEvent): PromptState {
  const { prompt, source } = event.data;
  return { prompt, seeded: source === 'file' ? new Set([...state.seeded, prompt]) : state.seeded };
}

export const promptDecider: Decider<PromptCommand, PromptEvent, PromptState> = {
  decide,
  evolve,
  initialState: () => ({ prompt: undefined, seeded: new Set() }),
};
