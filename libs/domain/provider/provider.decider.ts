import type { Decider } from '../decider';
import { ProviderNotRegisteredError } from '../errors';
import type { CircuitState } from '../projections/views';
import type { ProviderCommand } from './provider.commands';
import type { ProviderEvent } from './provider.events';

/*
 * Invariants of one provider profile (stream `provider-<profile>`):
 * - Registered once; the circuit starts closed and the profile enabled.
 * - closed → open (failures) → half_open (only once `until` has passed) → closed (trial succeeded)
 *   or → open again (trial failed). Opening an open circuit and closing a closed one change nothing.
 * - A success seen while open does not close it: only the half-open trial does, after the cooldown.
 * - Enabling and disabling are an admin's and independent of the circuit; both are idempotent,
 *   and refused for a profile never registered. Circuit commands on it decide `[]`: the hot path
 *   never fails on bookkeeping.
 * - A profile the config no longer lists is removed once; a removed profile is as good as unknown
 *   (admin commands refused, circuit commands ignored) until it is registered again, which starts
 *   it afresh: closed and enabled.
 */
export type ProviderState =
  | { status: 'unknown' | 'removed' }
  | { status: 'registered'; providerType: string; circuit: CircuitState; until?: string; enabled: boolean };

const ms = (iso: string): number => Date.parse(iso);

function decide(command: ProviderCommand, state: ProviderState): ProviderEvent[] {
  const { name } = command.data;
  if (command.type === 'RegisterProvider') {
    return state.status === 'registered' ? [] : [{ type: 'ProviderRegistered', data: { name, providerType: command.data.providerType } }];
  }
  if (state.status !== 'registered') {
    if (command.type === 'DisableProvider' || command.type === 'EnableProvider') throw new ProviderNotRegisteredError(name);
    return [];
  }
  switch (command.type) {
    case 'OpenCircuit': {
      const { failures, until } = command.data;
      return state.circuit === 'open' ? [] : [{ type: 'CircuitOpened', data: { name, failures, until } }];
    }
    case 'HalfOpenCircuit':
      return state.circuit === 'open' && state.until !== undefined && ms(command.data.now) >= ms(state.until)
        ? [{ type: 'CircuitHalfOpened', data: { name } }]
        : [];
    case 'CloseCircuit':
      return state.circuit === 'half_open' ? [{ type: 'CircuitClosed', data: { name } }] : [];
    case 'DisableProvider': {
      const { reason } = command.data;
      return state.enabled ? [{ type: 'ProviderDisabled', data: reason === undefined ? { name } : { name, reason } }] : [];
    }
    case 'EnableProvider':
      return state.enabled ? [] : [{ type: 'ProviderEnabled', data: { name } }];
    case 'RemoveProvider':
      return [{ type: 'ProviderRemoved', data: { name } }];
  }
}

function evolve(state: ProviderState, event: ProviderEvent): ProviderState {
  if (event.type === 'ProviderRegistered') {
    return { status: 'registered', providerType: event.data.providerType, circuit: 'closed', enabled: true };
  }
  if (event.type === 'ProviderRemoved') return { status: 'removed' };
  if (state.status !== 'registered') return state;
  switch (event.type) {
    case 'CircuitOpened':
      return { ...state, circuit: 'open', until: event.data.until };
    case 'CircuitHalfOpened':
      return { ...state, circuit: 'half_open', until: undefined };
    case 'CircuitClosed':
      return { ...state, circuit: 'closed', until: undefined };
    case 'ProviderDisabled':
      return { ...state, enabled: false };
    case 'ProviderEnabled':
      return { ...state, enabled: true };
  }
}

export const providerDecider: Decider<ProviderCommand, ProviderEvent, ProviderState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'unknown' }),
};
