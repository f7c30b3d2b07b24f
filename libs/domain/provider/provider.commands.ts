export type ProviderCommand =
  | { type: 'RegisterProvider'; data: { name: string; providerType: string; now: string } }
  /** The router saw `failures` consecutive failures (or a failed half-open trial). */
  | { type: 'OpenCircuit'; data: { name: string; failures: number; until: string; now: string } }
  /** The cooldown has passed: let one trial request through. */
  | { type: 'HalfOpenCircuit'; data: { name: string; now: string } }
  /** A request (or the half-open trial) succeeded. */
  | { type: 'CloseCircuit'; data: { name: string; now: string } }
  | { type: 'DisableProvider'; data: { name: string; reason?: string; now: string } }
  | { type: 'EnableProvider'; data: { name: string; now: string } }
  /** The applied config no longer lists the profile. */
  | { type: 'RemoveProvider'; data: { name: string; now: string } };
