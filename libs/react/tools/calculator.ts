import { evaluate } from './expression';
import { ToolError, type Tool } from './tool';

export const calculator: Tool<{ expression: string }> = {
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression: + - * / % ^, parentheses, functions (sqrt, abs, round, min, max, log, ln, exp, sin, cos, ...) and the constants pi and e.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'e.g. "(12 + 3) * 4 / sqrt(9)"' } },
    required: ['expression'],
    additionalProperties: false,
  },
  run({ expression }) {
    const result = evaluate(expression);
    if ('error' in result) return Promise.reject(new ToolError(result.error));
    return Promise.resolve(result.value);
  },
};
