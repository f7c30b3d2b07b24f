import { lineDiff } from '../prompt/line-diff';
import { given } from '../testing/given';
import { configDecider, ConfigRevisionMismatchError } from './config.decider';
import type { ConfigCommand, ConfigEvent } from './config.events';

// The renderer is the caller's (YAML in the app); any stable one shows the rules.
const decider = configDecider((document) => JSON.stringify(document, null, 1));
const render = (document: Record<string, unknown>) => JSON.stringify(document, null, 1);
const now = '2025-01-01T12:00:00.000Z';

const GATEWAY_FILE = { providers: { a: { type: 'mock' }, b: { type: 'mock' } } };
const KEEPER_FILE = { providers: { a: { type: 'mock' } } };
const ADMIN_EDIT = { providers: { a: { type: 'mock' }, c: { type: 'mock' } } };

const applied = (
  revision: number,
  document: Record<string, unknown>,
  before: Record<string, unknown> | undefined,
  source: 'file' | 'admin',
): ConfigEvent => ({
  type: 'ConfigApplied',
  data: {
    revision,
    diff: before && render(before) === render(document) ? [] : lineDiff(before ? render(before) : '', render(document)),
    source,
    by: source === 'file' ? 'file' : 'ops-bob',
    document,
  },
});
const apply = (document: Record<string, unknown>, source: 'file' | 'admin', expectedRevision?: number): ConfigCommand => ({
  type: 'ApplyConfig',
  data: { document, text: render(document), source, by: source === 'file' ? 'file' : 'ops-bob', expectedRevision, now },
});

describe('config decider', () => {
  describe('when nothing is recorded', () => {
    it('a file seeds revision 1', () => {
      given(decider)
        .when(apply(GATEWAY_FILE, 'file'))
        .then([applied(1, GATEWAY_FILE, undefined, 'file')]);
    });
  });

  describe('when two processes were started with different files (gateway, then keeper)', () => {
    const history = [applied(1, GATEWAY_FILE, undefined, 'file'), applied(2, KEEPER_FILE, GATEWAY_FILE, 'file')];

    it("the gateway's restart with its file, seeded before, changes nothing: the store keeps the keeper's", () => {
      given(decider, ...history)
        .when(apply(GATEWAY_FILE, 'file'))
        .then([]);
    });
    it("the keeper's restart changes nothing either", () => {
      given(decider, ...history)
        .when(apply(KEEPER_FILE, 'file'))
        .then([]);
    });
    it('an edited file (a content never seeded) is applied', () => {
      given(decider, ...history)
        .when(apply(ADMIN_EDIT, 'file'))
        .then([applied(3, ADMIN_EDIT, KEEPER_FILE, 'file')]);
    });
  });

  describe('when an admin changed what the file seeded', () => {
    const history = [applied(1, GATEWAY_FILE, undefined, 'file'), applied(2, ADMIN_EDIT, GATEWAY_FILE, 'admin')];

    it('a restart with the same file keeps the admin change', () => {
      given(decider, ...history)
        .when(apply(GATEWAY_FILE, 'file'))
        .then([]);
    });
    it('a file whose content is what the admin applied is recorded as seeded, with no diff', () => {
      given(decider, ...history)
        .when(apply(ADMIN_EDIT, 'file'))
        .then([applied(3, ADMIN_EDIT, ADMIN_EDIT, 'file')]);
    });
    it('an admin applying the current document again records nothing', () => {
      given(decider, ...history)
        .when(apply(ADMIN_EDIT, 'admin', 2))
        .then([]);
    });
    it('refuses a change made against a stale revision', () => {
      given(decider, ...history)
        .when(apply(KEEPER_FILE, 'admin', 1))
        .thenThrows(ConfigRevisionMismatchError);
    });
  });
});
