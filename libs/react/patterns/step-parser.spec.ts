import { join } from 'node:path';
import { loadPatterns } from './pattern-registry';
import { parseStep } from './step-parser';

const patterns = Object.fromEntries(loadPatterns(join(__dirname, '../../../config/patterns')).map((p) => [p.name, p]));
const basic = patterns.basic_react;
const deepseek = patterns.deepseek_react;

describe('parsing a basic_react step', () => {
  it('reads a thought, an action and its JSON input', () => {
    expect(parseStep(basic, 'Thought: I need to add.\nAction: calculator\nAction Input: {"expression": "2 + 2"}')).toEqual({
      kind: 'action',
      thought: 'I need to add.',
      tool: 'calculator',
      input: { expression: '2 + 2' },
      rawInput: '{"expression": "2 + 2"}',
      inputIsJson: true,
    });
  });

  it('reads the final answer', () => {
    expect(parseStep(basic, 'Thought: I now know the final answer\nFinal Answer: 42')).toEqual({
      kind: 'answer',
      thought: 'I now know the final answer',
      content: '42',
    });
  });

  it('ignores an observation the model invented and anything after it', () => {
    const step = parseStep(basic, 'Action: calculator\nAction Input: {"expression":"1+1"}\nObservation: 3\nFinal Answer: 3');
    expect(step).toMatchObject({ kind: 'action', tool: 'calculator', input: { expression: '1+1' } });
  });

  it('keeps a non-JSON input as text so the engine can decide', () => {
    expect(parseStep(basic, 'Action: calculator\nAction Input: 2 * 3')).toMatchObject({
      kind: 'action',
      input: '2 * 3',
      inputIsJson: false,
    });
  });

  it('accepts fenced JSON and decorated tool names', () => {
    expect(parseStep(basic, 'Action: `calculator`\nAction Input: ```json\n{"expression":"1"}\n```')).toMatchObject({
      tool: 'calculator',
      input: { expression: '1' },
    });
  });

  it('marks a reply without action or answer invalid, with a reason for the model', () => {
    expect(parseStep(basic, 'I think the answer is 4.')).toEqual({
      kind: 'invalid',
      thought: 'I think the answer is 4.',
      reason: "no 'Action:' or 'Final Answer:' found: reply with an Action and its Action Input, or a Final Answer",
    });
  });

  it('marks an action without input invalid', () => {
    expect(parseStep(basic, 'Action: calculator')).toMatchObject({
      kind: 'invalid',
      reason: "'Action: calculator' has no 'Action Input:' line",
    });
  });
});

describe('parsing a deepseek_react step', () => {
  it('takes the think block as the thought', () => {
    expect(parseStep(deepseek, '<think>\nMultiply first.\n</think>\nAction: calculator\nAction Input: {"expression":"6*7"}')).toMatchObject(
      {
        kind: 'action',
        thought: 'Multiply first.',
        tool: 'calculator',
      },
    );
  });

  it('reads an answer after the think block, even when the opening tag was stripped', () => {
    expect(parseStep(deepseek, 'It is 42.</think>\n\nFinal Answer: 42')).toEqual({ kind: 'answer', thought: 'It is 42.', content: '42' });
  });

  it('does not mistake markers inside the think block for the step', () => {
    expect(parseStep(deepseek, '<think>Maybe Final Answer: 1? No.\nAction: nothing</think>\nFinal Answer: 2')).toMatchObject({
      kind: 'answer',
      content: '2',
    });
  });
});
