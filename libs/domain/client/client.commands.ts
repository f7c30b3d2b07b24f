import type { ClientLimits } from './client.events';

export type ClientCommand =
  | {
      type: 'IssueClientKey';
      data: { name: string; fingerprint: string; keyHash: string; models: string[] | null; limits: ClientLimits; now: string };
    }
  /** Replaces the models and limits as a whole (the caller merges a partial change into the current ones). */
  | { type: 'ChangeClientLimits'; data: { name: string; models: string[] | null; limits: ClientLimits; now: string } }
  | { type: 'RevokeClientKey'; data: { name: string; now: string } };
