/** Injection tokens shared by the gateway's modules (ports are interfaces, so they need tokens). */
export const EVENT_STORE = Symbol('EventStore');
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
/** `ModelClient` from @switchboard/react: how the ReAct engine asks a chain for one completion. */
export const MODEL_CLIENT = Symbol('ModelClient');
/** `ToolBus` from @switchboard/react: in-process or NATS. */
export const TOOL_BUS = Symbol('ToolBus');
/** `StepPublisher` from @switchboard/react: NATS subjects `switchboard.react.<id>.<type>`, or nothing. */
export const STEP_PUBLISHER = Symbol('StepPublisher');
/** `ResponseStore` from @switchboard/response-store: what `/v1/responses` keeps for follow-ups. */
export const RESPONSE_STORE = Symbol('ResponseStore');
