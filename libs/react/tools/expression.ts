/**
 * Arithmetic by recursive descent (never eval): + - * / % ^, parentheses, unary minus,
 * decimals and exponents, functions and the constants pi and e.
 *
 *   expression := term (('+' | '-') term)*
 *   term       := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+') unary | power
 *   power      := primary ('^' unary)?        right-associative; -2^2 = -(2^2)
 *   primary    := number | name | name '(' arguments ')' | '(' expression ')'
 *
 * Positions in messages are 0-based character offsets into the input.
 */

export type Evaluation = { value: number } | { error: string };

type Token =
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'name'; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number };

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...args: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  cbrt: { arity: [1, 1], fn: Math.cbrt },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 2], fn: (x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  trunc: { arity: [1, 1], fn: Math.trunc },
  min: { arity: [1, Infinity], fn: Math.min },
  max: { arity: [1, Infinity], fn: Math.max },
  pow: { arity: [2, 2], fn: Math.pow },
  exp: { arity: [1, 1], fn: Math.exp },
  ln: { arity: [1, 1], fn: Math.log },
  log: { arity: [1, 2], fn: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)) },
  log10: { arity: [1, 1], fn: Math.log10 },
  log2: { arity: [1, 1], fn: Math.log2 },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  asin: { arity: [1, 1], fn: Math.asin },
  acos: { arity: [1, 1], fn: Math.acos },
  atan: { arity: [1, 1], fn: Math.atan },
};

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

const MAX_LENGTH = 1000;

class CalcError extends Error {}

export function evaluate(expression: string): Evaluation {
  if (expression.length > MAX_LENGTH) return { error: `expression longer than ${MAX_LENGTH} characters` };
  try {
    const parser = new Parser(tokenize(expression));
    const value = parser.parseAll();
    if (!Number.isFinite(value)) return { error: 'result is not a finite number' };
    return { value: Object.is(value, -0) ? 0 : value };
  } catch (error) {
    if (error instanceof CalcError) return { error: error.message };
    throw error;
  }
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(input.slice(i));
    if (number) {
      const text = number[0];
      if (input[i + text.length] === '.' || /^\d/.test(input.slice(i + text.length))) {
        throw new CalcError(`invalid number '${/^[\d.]+/.exec(input.slice(i))?.[0]}' at ${i}`);
      }
      tokens.push({ kind: 'number', value: Number(text), text, at: i });
      i += text.length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if ('+-*/%^(),'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch, at: i });
      i++;
      continue;
    }
    throw new CalcError(`unexpected character '${ch}' at ${i}`);
  }
  tokens.push({ kind: 'end', text: '', at: input.length });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): number {
    if (this.peek().kind === 'end') throw new CalcError('empty expression');
    const value = this.expression();
    this.expectEnd();
    return value;
  }

  private expression(): number {
    this.enter();
    let value = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text;
      const right = this.term();
      value = op === '+' ? value + right : value - right;
    }
    this.depth--;
    return value;
  }

  private term(): number {
    let value = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next();
      const right = this.unary();
      if (op.text === '*') value *= right;
      else if (right === 0) throw new CalcError(op.text === '/' ? 'division by zero' : 'modulo by zero');
      else value = op.text === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().text;
      this.enter();
      const value = this.unary();
      this.depth--;
      return op === '-' ? -value : value;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    this.next();
    return base ** this.unary();
  }

  private primary(): number {
    const token = this.next();
    if (token.kind === 'number') return token.value;
    if (token.kind === 'name') return this.named(token);
    if (token.kind === 'op' && token.text === '(') {
      const value = this.expression();
      this.expectOp(')');
      return value;
    }
    throw unexpected(token);
  }

  private named(token: Token): number {
    const name = token.text.toLowerCase();
    if (this.isOp('(')) {
      const fn = FUNCTIONS[name];
      if (!fn) throw new CalcError(`unknown function '${token.text}' at ${token.at}`);
      this.next();
      const args = this.arguments();
      const [least, most] = fn.arity;
      if (args.length < least || args.length > most) {
        const expected = least === most ? `${least}` : most === Infinity ? `at least ${least}` : `${least} to ${most}`;
        throw new CalcError(`${name} expects ${expected} argument${expected === '1' ? '' : 's'}, got ${args.length}`);
      }
      return fn.fn(...args);
    }
    if (name in CONSTANTS) return CONSTANTS[name];
    if (name in FUNCTIONS) throw new CalcError(`function '${token.text}' at ${token.at} needs parentheses`);
    throw new CalcError(`unknown name '${token.text}' at ${token.at}`);
  }

  private arguments(): number[] {
    const args: number[] = [];
    if (this.isOp(')')) {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.expression());
      const token = this.next();
      if (token.kind === 'op' && token.text === ')') return args;
      if (!(token.kind === 'op' && token.text === ',')) throw unexpected(token);
    }
  }

  /** Bounds nesting so a hostile input cannot exhaust the stack. */
  private enter(): void {
    if (++this.depth > 200) throw new CalcError('expression nested too deeply');
  }

  private expectOp(text: string): void {
    const token = this.next();
    if (token.kind !== 'op' || token.text !== text) {
      throw token.kind === 'end' ? new CalcError(`missing '${text}' at end of expression`) : unexpected(token);
    }
  }

  private expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') throw unexpected(token);
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index++;
    return token;
  }
}

function unexpected(token: Token): CalcError {
  return token.kind === 'end'
    ? new CalcError('unexpected end of expression')
    : new CalcError(`unexpected token '${token.text}' at ${token.at}`);
}
