import type { Decider } from '../decider';
import { lineDiff } from './line-diff';
import type { PromptCommand, PromptEvent } from './prompt.events';

/*
 * Invariants of one pattern's prompt (stream `prompt-<pattern>`):
 * - The current prompt is the last one recorded, whoever recorded it.
 * - An admin change equal to the current prompt records nothing.
 * - The file seeds the store only when it changed since it last seeded it: a prompt changed
 *   through the admin API survives a restart with the file as it was.
 */
export interface PromptState {
  prompt: string | undefined;
  /** The last prompt the pattern file seeded. */
  fromFile: string | undefined;
}

function decide(command: PromptCommand, state: PromptState): PromptEvent[] {
  const { pattern, prompt, by, source } = command.data;
  if (source === 'file' ? prompt === state.fromFile : prompt === state.prompt) return [];
  return [{ type: 'PromptChanged', data: { pattern, prompt, diff: lineDiff(state.prompt ?? '', prompt), by, source } }];
}

function evolve(state: PromptState, event: PromptEvent): PromptState {
  const { prompt, source } = event.data;
  return { prompt, fromFile: source === 'file' ? prompt : state.fromFile };
}

export const promptDecider: Decider<PromptCommand, PromptEvent, PromptState> = {
  decide,
  evolve,
  initialState: () => ({ prompt: undefined, fromFile: undefined }),
};
