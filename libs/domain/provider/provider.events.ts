/** Facts about one provider profile, stream `provider-<profile>`. */
export type ProviderEvent =
  | { type: 'ProviderRegistered'; data: { name: string; providerType: string } }
  | { type: 'CircuitOpened'; data: { name: string; failures: number; until: string } }
  | { type: 'CircuitHalfOpened'; data: { name: string } }
  | { type: 'CircuitClosed'; data: { name: string } }
  | { type: 'ProviderDisabled'; data: { name: string; reason?: string } }
  | { type: 'ProviderEnabled'; data: { name: string } }
  /** The profile left the applied config: it is no longer listed; registering it again brings it back. */
  | { type: 'ProviderRemoved'; data: { name: string } };

export type ProviderEventType = ProviderEvent['type'];
