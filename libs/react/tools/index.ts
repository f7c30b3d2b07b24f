import { calculator } from './calculator';
import { currentTime } from './current-time';
import { httpGet } from './http-get';
import type { Tool } from './tool';
import { webSearch } from './web-search';

/** Every built-in tool. Adding a tool: one file beside this one and one line here. */
export const builtinTools: readonly Tool<never>[] = [calculator, currentTime, httpGet, webSearch];

export { ASK_AGENT, askAgentDescriptor } from './ask-agent';
export { evaluate, type Evaluation } from './expression';
export { isPrivateAddress } from './http-get';
export { ToolError, type Tool, type ToolContext } from './tool';
export { ToolRegistry, type ToolRunOptions } from './tool-registry';
export { ToolCatalog } from './tool-catalog';
export { calculator, currentTime, httpGet, webSearch };
