import { jsonString, RepeatedString, tenths, tenthsText } from './json-text';

describe('JSON text written by hand', () => {
  it('writes tenths of a millisecond as JSON writes the rounded number', () => {
    const values = [0, -0, 0.04, 0.05, 0.95, 1, 9.95, 12.345, 3.21, 20.06, 99999.95, 123456789.4, 1e9, 1e21, -0.04, -3.2, NaN, Infinity];
    for (let i = 0; i < 20_000; i++) values.push(i / 1000, i / 7, Math.random() * 10 ** (i % 9));
    for (const ms of values) expect(tenthsText(ms)).toBe(String(JSON.stringify(tenths(ms))));
  });

  it('keeps the last text of a repeated string, and writes a new value anew', () => {
    const field = new RepeatedString();
    expect(field.of(null)).toBe('null');
    expect(field.of('openai_main')).toBe('"openai_main"');
    expect(field.of(`openai_${'main'}`)).toBe('"openai_main"');
    expect(field.of('a "quoted" name')).toBe(jsonString('a "quoted" name'));
    expect(field.of(null)).toBe('null');
  });
});
