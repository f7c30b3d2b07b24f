import { ClientExistsError, ClientNotFoundError } from '../errors';
import { given } from '../testing/given';
import type { ClientCommand } from './client.commands';
import { clientDecider } from './client.decider';
import type { ClientEvent, ClientLimits } from './client.events';

const name = 'billing-bot';
const now = '2025-01-01T12:00:00.000Z';
const fp1 = '1111111111111111';
const hash1 = `${fp1}${'a'.repeat(48)}`;
const fp2 = '2222222222222222';
const hash2 = `${fp2}${'b'.repeat(48)}`;
const limits: ClientLimits = { rpm: 10, tpm: 1000 };

const issued = (fingerprint = fp1, keyHash = hash1, models: string[] | null = ['main-gpt'], l: ClientLimits = limits): ClientEvent => ({
  type: 'ClientKeyIssued',
  data: { name, fingerprint, keyHash, models, limits: l },
});
const limitsChanged = (models: string[] | null, l: ClientLimits): ClientEvent => ({
  type: 'ClientLimitsChanged',
  data: { name, models, limits: l },
});
const revoked = (): ClientEvent => ({ type: 'ClientKeyRevoked', data: { name } });

const issueKey = (fingerprint = fp1, keyHash = hash1, models: string[] | null = ['main-gpt'], l: ClientLimits = limits): ClientCommand => ({
  type: 'IssueClientKey',
  data: { name, fingerprint, keyHash, models, limits: l, now },
});
const changeLimits = (models: string[] | null, l: ClientLimits): ClientCommand => ({
  type: 'ChangeClientLimits',
  data: { name, models, limits: l, now },
});
const revoke = (): ClientCommand => ({ type: 'RevokeClientKey', data: { name, now } });

describe('client decider', () => {
  describe('when unknown', () => {
    it('issues a key with its models and limits', () => {
      given(clientDecider).when(issueKey()).then([issued()]);
    });
    it('refuses a change of limits', () => {
      given(clientDecider).when(changeLimits(null, {})).thenThrows(ClientNotFoundError);
    });
    it('refuses a revocation', () => {
      given(clientDecider).when(revoke()).thenThrows(ClientNotFoundError);
    });
  });

  describe('when active', () => {
    it('refuses a second key for the same name', () => {
      given(clientDecider, issued()).when(issueKey(fp2, hash2)).thenThrows(ClientExistsError);
    });
    it('changes limits and models', () => {
      given(clientDecider, issued())
        .when(changeLimits(null, { rpm: 20 }))
        .then([limitsChanged(null, { rpm: 20 })]);
    });
    it('records nothing when the limits are the same', () => {
      given(clientDecider, issued(), limitsChanged(['a'], { tpm: 5 }))
        .when(changeLimits(['a'], { tpm: 5 }))
        .then([]);
    });
    it('revokes the key', () => {
      given(clientDecider, issued()).when(revoke()).then([revoked()]);
    });
  });

  describe('when revoked', () => {
    it('revoking again changes nothing', () => {
      given(clientDecider, issued(), revoked()).when(revoke()).then([]);
    });
    it('refuses a change of limits', () => {
      given(clientDecider, issued(), revoked()).when(changeLimits(null, {})).thenThrows(ClientNotFoundError);
    });
    it('issues the name a new key', () => {
      given(clientDecider, issued(), revoked())
        .when(issueKey(fp2, hash2, null, {}))
        .then([issued(fp2, hash2, null, {})]);
    });
  });
});
