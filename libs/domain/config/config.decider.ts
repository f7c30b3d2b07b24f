import type { Decider } from '../decider';
import { DomainError } from '../errors';
import { lineDiff } from '../prompt/line-diff';
import type { ConfigCommand, ConfigEvent } from './config.events';

export class ConfigRevisionMismatchError extends DomainError {
  readonly code = 'CONFIG_REVISION_MISMATCH';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the config changed since revision ${expected}: it is at revision ${actual} now; read it again and retry`);
    this.name = 'ConfigRevisionMismatchError';
  }
}

/*
 * Invariants of the gateway config (stream `config-gateway`):
 * - Revisions count 1, 2, ...; an admin change names the revision it was made against and is
 *   refused when another change came first.
 * - Applying the current document again records nothing.
 * - The file seeds the store only when it changed since it last did, so an admin change survives
 *   a restart of a process whose file is as it was, and two processes started with different
 *   files do not undo each other at every start.
 */
export interface ConfigState {
  revision: number;
  text: string;
  /** The YAML of the last document the file seeded. */
  fromFile: string | undefined;
}

function decide(command: ConfigCommand, state: ConfigState): ConfigEvent[] {
  const { document, text, source, by, expectedRevision } = command.data;
  if (expectedRevision !== undefined && expectedRevision !== state.revision)
    throw new ConfigRevisionMismatchError(expectedRevision, state.revision);
  if (source === 'file' ? text === state.fromFile : text === state.text) return [];
  if (source === 'file' && text === state.text)
    return [{ type: 'ConfigApplied', data: { revision: state.revision + 1, diff: [], source, by, document } }];
  return [{ type: 'ConfigApplied', data: { revision: state.revision + 1, diff: lineDiff(state.text, text), source, by, document } }];
}

/** `text` is rebuilt from the document by the caller's renderer; the state keeps what decide compares. */
export function configDecider(render: (document: Record<string, unknown>) => string): Decider<ConfigCommand, ConfigEvent, ConfigState> {
  return {
    decide,
    evolve: (state, event) => {
      const text = render(event.data.document);
      return { revision: event.data.revision, text, fromFile: event.data.source === 'file' ? text : state.fromFile };
    },
    initialState: () => ({ revision: 0, text: '', fromFile: undefined }),
  };
}
