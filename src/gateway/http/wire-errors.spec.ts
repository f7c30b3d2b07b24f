import { nestsDeeperThan } from './wire-errors';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('nestsDeeperThan', () => {
  it('counts objects and arrays together', () => {
    expect(nestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":[{"b":[[1]]}]}'), 4)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(bytes(`{"a":"${'[{'.repeat(50)}","b":"\\"[[[[[["}`), 2)).toBe(false);
  });

  it('counts depth, not how many containers there are', () => {
    expect(nestsDeeperThan(bytes(`[${'[],'.repeat(1000)}[]]`), 2)).toBe(false);
  });
});
