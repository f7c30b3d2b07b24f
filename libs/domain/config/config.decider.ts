import { fingerprint } from '../api-key/fingerprint';
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
 * - A file's content seeds the store once: a file seeds when no earlier seed had that content
 *   (by hash of its masked YAML), whichever process read it. So an admin change survives a restart
 *   of a process whose file is as it was, and processes started with different files converge:
 *   each content applies once, the last new one wins, and no restart re-applies an older one (it
 *   would ping-pong with two files if "differs from the last seed" were the rule). Going back to
 *   a content seeded before is an admin change (PUT /admin/config), not a file edit.
 */
export interface ConfigState {
  revision: number;
  text: string;
  /** Hashes of every document a file seeded. */
  seeded: ReadonlySet<string>;
}

const contentHash = (text: string): string => fingerprint(text);

function decide(command: ConfigCommand, state: ConfigState): ConfigEvent[] {
  const { document, text, source, by, expectedRevision } = command.data;
  if (expectedRevision !== undefined && expectedRevision !== state.revision)
    throw new ConfigRevisionMismatchError(expectedRevision, state.revision);
  if (source === 'file' ? state.seeded.has(contentHash(text)) : text === state.text) return [];
  // A file seeding what an admin applied already is recorded (diff empty), so that content counts as seeded.
  const diff = text === state.text ? [] : lineDiff(state.text, text);
  return [{ type: 'ConfigApplied', data: { revision: state.revision + 1, diff, source, by, document } }];
}

/** `text` is rebuilt from the document by the caller's renderer; the state keeps what decide compares. */
export function configDecider(render: (document: Record<string, unknown>) => string): Decider<ConfigCommand, ConfigEvent, ConfigState> {
  return {
    decide,
    evolve: (state, event) => {
      const text = render(event.data.document);
      const seeded = event.data.source === 'file' ? new Set([...state.seeded, contentHash(text)]) : state.seeded;
      return { revision: event.data.revision, text, seeded };
    },
    initialState: () => ({ revision: 0, text: '', seeded: new Set() }),
  };
}
