export * from './provider';
export * from './shared';
export { SseDecoder, encodeSse } from './http/sse';
export { UpstreamNetworkError } from './http/upstream-network-error';
export { UndiciTransport, type UndiciTransportOptions } from './http/undici-transport';
export { anthropicProvider, AnthropicStreamError } from './anthropic';
