import {
  QuarantineKeyHandler,
  RecordProbeHandler,
  RegisterKeyHandler,
  RemoveKeyHandler,
  RestoreKeyHandler,
  RetireKeyHandler,
} from './api-key.handlers';
import {
  CloseCircuitHandler,
  DisableProviderHandler,
  EnableProviderHandler,
  HalfOpenCircuitHandler,
  OpenCircuitHandler,
  RegisterProviderHandler,
} from './provider.handlers';
import { ChangeClientLimitsHandler, IssueClientKeyHandler, RevokeClientKeyHandler } from './client.handlers';

export const CommandHandlers = [
  RegisterKeyHandler,
  RemoveKeyHandler,
  QuarantineKeyHandler,
  RestoreKeyHandler,
  RetireKeyHandler,
  RecordProbeHandler,
  RegisterProviderHandler,
  OpenCircuitHandler,
  HalfOpenCircuitHandler,
  CloseCircuitHandler,
  DisableProviderHandler,
  EnableProviderHandler,
  IssueClientKeyHandler,
  ChangeClientLimitsHandler,
  RevokeClientKeyHandler,
];
