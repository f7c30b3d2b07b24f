import type { Decider } from '../decider';
import { ClientExistsError, ClientNotFoundError } from '../errors';
import type { ClientCommand } from './client.commands';
import type { ClientEvent, ClientLimits } from './client.events';

/*
 * Invariants of one client (stream `client-<name>`):
 * - A name holds one live key at a time: issuing for an active client is refused; after a
 *   revocation the name may be issued a new key (the old one stays revoked: its hash is gone).
 * - Limits change only on an active client; setting the same models and limits changes nothing.
 * - Revoking is final for that key and idempotent; an unknown client cannot be revoked.
 */
export type ClientState =
  | { status: 'unknown' }
  | { status: 'active'; fingerprint: string; models: string[] | null; limits: ClientLimits }
  | { status: 'revoked'; fingerprint: string };

function decide(command: ClientCommand, state: ClientState): ClientEvent[] {
  const { name } = command.data;
  switch (command.type) {
    case 'IssueClientKey': {
      if (state.status === 'active') throw new ClientExistsError(name);
      const { fingerprint, keyHash, models, limits } = command.data;
      return [{ type: 'ClientKeyIssued', data: { name, fingerprint, keyHash, models, limits } }];
    }
    case 'ChangeClientLimits': {
      if (state.status !== 'active') throw new ClientNotFoundError(name);
      const { models, limits } = command.data;
      if (sameJson(models, state.models) && sameJson(limits, state.limits)) return [];
      return [{ type: 'ClientLimitsChanged', data: { name, models, limits } }];
    }
    case 'RevokeClientKey':
      if (state.status === 'unknown') throw new ClientNotFoundError(name);
      return state.status === 'revoked' ? [] : [{ type: 'ClientKeyRevoked', data: { name } }];
  }
}

function evolve(state: ClientState, event: ClientEvent): ClientState {
  switch (event.type) {
    case 'ClientKeyIssued':
      return { status: 'active', fingerprint: event.data.fingerprint, models: event.data.models, limits: event.data.limits };
    case 'ClientLimitsChanged':
      return state.status === 'active' ? { ...state, models: event.data.models, limits: event.data.limits } : state;
    case 'ClientKeyRevoked':
      return state.status === 'unknown' ? state : { status: 'revoked', fingerprint: state.fingerprint };
  }
}

/** Limits compare by value; key order is fixed by whoever builds them, so JSON is enough. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const clientDecider: Decider<ClientCommand, ClientEvent, ClientState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
