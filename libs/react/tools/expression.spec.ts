import { evaluate } from './expression';

const value = (expression: string) => evaluate(expression);

describe('calculator expressions', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['7 % 4', 3],
    ['1.5 * .5', 0.75],
    ['1e3 / 8', 125],
    ['sqrt(16) + abs(-3)', 7],
    ['max(1, 7, 3) - min(4, 2)', 5],
    ['round(2.567, 2)', 2.57],
    ['round(pi * 100) / 100', 3.14],
    ['log(1000)', 3],
    ['ln(e)', 1],
    ['0 * -1', 0],
    ['12 * (3 + 4) - 5', 79],
  ])('%s = %d', (expression, expected) => {
    expect(value(expression)).toEqual({ value: expected });
  });

  it.each([
    ['1 / 0', 'division by zero'],
    ['5 % 0', 'modulo by zero'],
    ['(1 + 2))', "unexpected token ')' at 7"],
    ['1 + ', 'unexpected end of expression'],
    ['(1 + 2', "missing ')' at end of expression"],
    ['2 $ 3', "unexpected character '$' at 2"],
    ['foo(1)', "unknown function 'foo' at 0"],
    ['x + 1', "unknown name 'x' at 0"],
    ['sqrt(1, 2)', 'sqrt expects 1 argument, got 2'],
    ['pow(2)', 'pow expects 2 arguments, got 1'],
    ['1.2.3', "invalid number '1.2.3' at 0"],
    ['', 'empty expression'],
    ['sqrt(-1)', 'result is not a finite number'],
    ['2 (3)', "unexpected token '(' at 2"],
  ])('%s fails with "%s"', (expression, message) => {
    expect(value(expression)).toEqual({ error: message });
  });

  it('refuses a hostile nesting depth instead of overflowing the stack', () => {
    expect(value('('.repeat(400) + '1' + ')'.repeat(400))).toEqual({ error: 'expression nested too deeply' });
  });

  it('never evaluates JavaScript', () => {
    expect(value('process.exit(1)')).toEqual({ error: "unexpected character '.' at 7" });
  });
});
