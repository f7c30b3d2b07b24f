import { join, resolve } from 'node:path';
import { chatBody } from './load';

/**
 * Micro-benchmark of the check every /v1/chat/completions request runs: nanoseconds per check of
 * the load test's chat body and of a fuller one (tools, content parts, a tool turn), median of
 * rounds after a warm-up. Run from a checkout (TypeScript loaded as the tests load it):
 *   node -r ./test/keeper/fixtures/register-ts.js bench/request-check.ts [path/to/validate.ts]
 * (or node dist/bench/request-check.js after npm run build)
 * The optional path measures another checkout's validator against the same bodies (an A/B).
 */
type Check = (body: unknown) => unknown;

const fuller = {
  model: 'main',
  temperature: 0.2,
  max_tokens: 256,
  stream: false,
  tool_choice: 'auto',
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  messages: [
    { role: 'system', content: 'You are terse.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather?' },
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
      ],
    },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
  ],
};

function nsPerCheck(check: Check, body: unknown, iterations: number, rounds: number): number {
  if (check(body) !== undefined) throw new Error('the benchmark body must be valid');
  for (let i = 0; i < iterations; i++) check(body);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) check(body);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

const file = resolve(process.argv[2] ?? join(__dirname, '..', 'src', 'gateway', 'v1', 'validate'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateChat } = require(file) as { validateChat: Check };
const bodies: Array<[string, unknown]> = [
  ['load-test chat body', JSON.parse(chatBody(false, 'main')) as unknown],
  ['fuller chat body', fuller],
];
for (const [name, body] of bodies) {
  console.log(`${name}: ${nsPerCheck(validateChat, body, 1_000_000, 9).toFixed(1)} ns per check (${file})`);
}
