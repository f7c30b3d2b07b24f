export { anthropicProvider } from './anthropic.provider';
export { toAnthropicRequest, type RequestOptions } from './chat.request';
export { toChatCompletion, finishReason, toUsage, type ResponseIdentity } from './chat.response';
export { initStreamState, nextStreamStep, AnthropicStreamError, type AnthropicStreamState, type AnthropicStreamStep } from './chat.stream';
export { classifyAnthropic, errorType } from './outcome';
export { DEFAULT_ANTHROPIC_VERSION, DEFAULT_BASE_URL, DEFAULT_MAX_TOKENS } from './endpoint';
export type * from './anthropic-wire';
