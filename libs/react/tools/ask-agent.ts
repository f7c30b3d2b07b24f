import type { ToolDescriptor } from '../ports';

/**
 * `ask_agent` is run by the ReAct engine itself, not by the tool server: it starts a nested
 * session (depth + 1, bounded by `react.max_depth`) on the same model client, which only the
 * gateway has. So it is a descriptor here, and the engine intercepts calls to it.
 */
export const ASK_AGENT = 'ask_agent';

export const askAgentDescriptor: ToolDescriptor = {
  name: ASK_AGENT,
  description: 'Asks a helper agent (same model and tools) to work out a sub-question and returns its final answer.',
  parameters: {
    type: 'object',
    properties: { question: { type: 'string', minLength: 1, description: 'a self-contained question for the helper' } },
    required: ['question'],
    additionalProperties: false,
  },
};
