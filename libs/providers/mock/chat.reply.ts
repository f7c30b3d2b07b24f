import type { ChatMessage, ToolCall } from '../shared';

/** What the mock model decides to say: plain text, or one call of the `calculator` tool. */
export type MockTurn = { kind: 'text'; text: string } | { kind: 'tool_call'; call: ToolCall };

const EXPRESSION = /[-+*/().\d\s]+/g;

/**
 * The mock's whole "intelligence", chosen so the offline demo agent works both ways it can be
 * driven: with native `tools` (answers with a `calculator` call, then "The answer is …" after the
 * tool result) and with the ReAct text protocol (its system prompt has `Final Answer:`; the mock
 * then writes `Action:` / `Action Input:` and `Final Answer:` lines, reading `Observation:` back).
 */
export function decideTurn(body: { messages?: ChatMessage[]; tools?: Array<{ function?: { name?: string } }> }): MockTurn {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1);
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map(textOf)
    .join('\n');
  const textProtocol = system.includes('Final Answer:') && system.includes('Action Input:');
  const answer = (text: string): MockTurn => ({
    kind: 'text',
    text: textProtocol ? `Thought: I now know the final answer\nFinal Answer: ${text}` : text,
  });

  if (last?.role === 'tool') return answer(`The answer is ${textOf(last)}.`);
  const lastText = last ? textOf(last) : '';
  const observation = /^\s*Observation:\s*([\s\S]*)$/.exec(lastText);
  if (last?.role === 'user' && observation && textProtocol) return answer(`The answer is ${observation[1].trim()}.`);

  const expression = last?.role === 'user' ? arithmeticIn(lastText) : undefined;
  const nativeCalculator = Array.isArray(body.tools) && body.tools.some((t) => t?.function?.name === 'calculator');
  if (expression && nativeCalculator) {
    return {
      kind: 'tool_call',
      call: {
        id: `call_${hash(expression)}`,
        type: 'function',
        function: { name: 'calculator', arguments: JSON.stringify({ expression }) },
      },
    };
  }
  if (expression && textProtocol && /\bcalculator\b/.test(system)) {
    return {
      kind: 'text',
      text: `Thought: I need to calculate ${expression}.\nAction: calculator\nAction Input: ${JSON.stringify({ expression })}`,
    };
  }
  return answer(`Mock reply to: ${lastUserText(messages)}`);
}

/** The longest run of digits, operators and parentheses with at least one operator between numbers. */
export function arithmeticIn(text: string): string | undefined {
  const candidates = (text.match(EXPRESSION) ?? [])
    .map((c) =>
      c
        .trim()
        .replace(/^[-+*/.\s]+(?=[(\d])/, '')
        .replace(/[-+*/.(\s]+$/, ''),
    )
    .filter((c) => /\d[\s)]*[-+*/][\s(]*[-+]?\d/.test(c));
  return candidates.sort((a, b) => b.length - a.length)[0];
}

export function textOf(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function lastUserText(messages: ChatMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user');
  return user ? textOf(user) : '';
}

/** Words, as the mock's stand-in for tokens. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function promptWords(messages: ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + countWords(textOf(m)), 0);
}

/** FNV-1a, hex: short deterministic ids and seeds without a crypto dependency in pure code. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
