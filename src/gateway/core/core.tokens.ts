/** The environment the gateway was started with (interpolation, EVENT_STORE_URL, NATS_URL). */
export const GATEWAY_ENV = Symbol('GatewayEnv');
