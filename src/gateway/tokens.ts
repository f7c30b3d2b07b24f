/** Injection tokens shared by the gateway's modules (ports are interfaces, so they need tokens). */
export const EVENT_STORE = Symbol('EventStore');
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
/** `ModelClient` from @switchboard/react: how the ReAct engine asks a chain for one completion. */
export const MODEL_CLIENT = Symbol('ModelClient');
/** `ToolBus` from @switchboard/react: in-process or NATS. */
export const TOOL_BUS = Symbol('ToolBus');
/** `StepPublisher` from @switchboard/react: NATS subjects `<NATS_SUBJECT_PREFIX>.react.<id>.<type>`, or nothing. */
export const STEP_PUBLISHER = Symbol('StepPublisher');
/** `ResponseStore` from @switchboard/response-store: what `/v1/responses` keeps for follow-ups. */
export const RESPONSE_STORE = Symbol('ResponseStore');
/**
 * `Clock`: what the gateway and the keeper read as "now" for every deadline (quarantines,
 * circuits, request deadlines) and every command's `now`. The system clock unless a test passes
 * its own to `createGateway`, so cooldowns can pass on cue and nothing depends on the machine's speed.
 */
export const CLOCK = Symbol('Clock');

export interface Clock {
  /** Epoch milliseconds. Called unbound (the request path holds the function itself). */
  readonly now: () => number;
}

export const SYSTEM_CLOCK: Clock = { now: Date.now };
