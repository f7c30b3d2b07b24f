import { ProviderNotRegisteredError } from '../errors';
import { given } from '../testing/given';
import type { ProviderCommand } from './provider.commands';
import { providerDecider } from './provider.decider';
import type { ProviderEvent } from './provider.events';

const name = 'openai_main';
const now = '2025-01-01T12:00:00.000Z';
const in30s = '2025-01-01T12:00:30.000Z';
const in60s = '2025-01-01T12:01:00.000Z';

const registered = (providerType = 'openai'): ProviderEvent => ({
  type: 'ProviderRegistered',
  data: { name, providerType },
});
const opened = (failures: number, until: string): ProviderEvent => ({
  type: 'CircuitOpened',
  data: { name, failures, until },
});
const halfOpened = (): ProviderEvent => ({ type: 'CircuitHalfOpened', data: { name } });
const closed = (): ProviderEvent => ({ type: 'CircuitClosed', data: { name } });
const disabled = (reason?: string): ProviderEvent => ({
  type: 'ProviderDisabled',
  data: reason === undefined ? { name } : { name, reason },
});
const enabled = (): ProviderEvent => ({ type: 'ProviderEnabled', data: { name } });

const registerProvider = (providerType = 'openai'): ProviderCommand => ({
  type: 'RegisterProvider',
  data: { name, providerType, now },
});
const openCircuit = (failures: number, until: string, at = now): ProviderCommand => ({
  type: 'OpenCircuit',
  data: { name, failures, until, now: at },
});
const halfOpenCircuit = (at: string): ProviderCommand => ({
  type: 'HalfOpenCircuit',
  data: { name, now: at },
});
const closeCircuit = (): ProviderCommand => ({ type: 'CloseCircuit', data: { name, now } });
const disableProvider = (reason?: string): ProviderCommand => ({
  type: 'DisableProvider',
  data: { name, reason, now },
});
const enableProvider = (): ProviderCommand => ({ type: 'EnableProvider', data: { name, now } });
const removed = (): ProviderEvent => ({ type: 'ProviderRemoved', data: { name } });
const removeProvider = (): ProviderCommand => ({ type: 'RemoveProvider', data: { name, now } });

describe('provider decider', () => {
  describe('when unknown', () => {
    it('registers the provider with its type', () => {
      given(providerDecider)
        .when(registerProvider('anthropic'))
        .then([registered('anthropic')]);
    });
    it('ignores a circuit trip: the hot path never fails on bookkeeping', () => {
      given(providerDecider).when(openCircuit(5, in30s)).then([]);
    });
    it('refuses an admin disable', () => {
      given(providerDecider).when(disableProvider()).thenThrows(ProviderNotRegisteredError);
    });
    it('refuses an admin enable', () => {
      given(providerDecider).when(enableProvider()).thenThrows(ProviderNotRegisteredError);
    });
  });

  describe('when the circuit is closed', () => {
    it('does not register it twice', () => {
      given(providerDecider, registered()).when(registerProvider()).then([]);
    });
    it('opens the circuit', () => {
      given(providerDecider, registered())
        .when(openCircuit(5, in30s))
        .then([opened(5, in30s)]);
    });
    it('ignores a close', () => {
      given(providerDecider, registered()).when(closeCircuit()).then([]);
    });
    it('ignores a half-open', () => {
      given(providerDecider, registered()).when(halfOpenCircuit(in60s)).then([]);
    });
    it('disables the provider, keeping the reason', () => {
      given(providerDecider, registered())
        .when(disableProvider('maintenance'))
        .then([disabled('maintenance')]);
    });
    it('does not enable an enabled provider', () => {
      given(providerDecider, registered()).when(enableProvider()).then([]);
    });
  });

  describe('when the circuit is open', () => {
    const history = [registered(), opened(5, in30s)];

    it('ignores another trip', () => {
      given(providerDecider, ...history)
        .when(openCircuit(6, in60s))
        .then([]);
    });
    it('stays open before the cooldown has passed', () => {
      given(providerDecider, ...history)
        .when(halfOpenCircuit(now))
        .then([]);
    });
    it('half-opens once the cooldown has passed', () => {
      given(providerDecider, ...history)
        .when(halfOpenCircuit(in30s))
        .then([halfOpened()]);
    });
    it('does not close on a stray success: only the trial closes it', () => {
      given(providerDecider, ...history)
        .when(closeCircuit())
        .then([]);
    });
  });

  describe('when the circuit is half-open', () => {
    const history = [registered(), opened(5, in30s), halfOpened()];

    it('closes when the trial succeeds', () => {
      given(providerDecider, ...history)
        .when(closeCircuit())
        .then([closed()]);
    });
    it('opens again when the trial fails', () => {
      given(providerDecider, ...history)
        .when(openCircuit(1, in60s, in30s))
        .then([opened(1, in60s)]);
    });
    it('does not half-open again', () => {
      given(providerDecider, ...history)
        .when(halfOpenCircuit(in60s))
        .then([]);
    });
  });

  describe('when closed again after a trip', () => {
    it('opens on the next trip', () => {
      given(providerDecider, registered(), opened(5, in30s), halfOpened(), closed())
        .when(openCircuit(5, in60s))
        .then([opened(5, in60s)]);
    });
  });

  describe('when disabled', () => {
    const history = [registered(), disabled()];

    it('does not disable it twice', () => {
      given(providerDecider, ...history)
        .when(disableProvider())
        .then([]);
    });
    it('enables it', () => {
      given(providerDecider, ...history)
        .when(enableProvider())
        .then([enabled()]);
    });
    it('still tracks the circuit', () => {
      given(providerDecider, ...history)
        .when(openCircuit(3, in30s))
        .then([opened(3, in30s)]);
    });
  });

  describe('when the config no longer lists it', () => {
    it('removes a registered provider, whatever its circuit and admin state', () => {
      given(providerDecider, registered(), opened(5, in30s), disabled()).when(removeProvider()).then([removed()]);
    });
    it('does not remove it twice', () => {
      given(providerDecider, registered(), removed()).when(removeProvider()).then([]);
    });
    it('does not remove one never registered', () => {
      given(providerDecider).when(removeProvider()).then([]);
    });
  });

  describe('when removed', () => {
    const history = [registered(), opened(5, in30s), removed()];

    it('registers it again when the config lists it again, afresh', () => {
      given(providerDecider, ...history)
        .when(registerProvider('gemini'))
        .then([registered('gemini')]);
    });
    it('refuses an admin disable, as for an unknown profile', () => {
      given(providerDecider, ...history)
        .when(disableProvider())
        .thenThrows(ProviderNotRegisteredError);
    });
    it('ignores a circuit trip', () => {
      given(providerDecider, ...history)
        .when(openCircuit(5, in60s))
        .then([]);
    });
  });
});
