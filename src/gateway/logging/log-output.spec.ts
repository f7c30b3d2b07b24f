import { LogOutput, type WriteBytes } from './log-output';

/** A descriptor that takes at most `room` bytes a write (0: EAGAIN), recording what it took. */
function descriptor(room = Infinity) {
  const taken: string[] = [];
  const state = { room };
  const write: WriteBytes = (bytes, length) => {
    if (state.room === 0) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
    const n = Math.min(length, state.room);
    taken.push(bytes.subarray(0, n).toString('utf8'));
    return n;
  };
  return { write, taken, state };
}

describe('the log output', () => {
  afterEach(() => jest.useRealTimers());

  it('gathers lines for 10 ms into one write, in order, and writes them out on demand', () => {
    jest.useFakeTimers();
    const fd = descriptor();
    const writer = new LogOutput(fd.write);
    writer.write('one\n');
    jest.advanceTimersByTime(5);
    writer.write('twö\n');
    expect(fd.taken).toEqual([]);
    jest.advanceTimersByTime(5);
    expect(fd.taken).toEqual(['one\ntwö\n']);
    writer.write('three\n');
    writer.flush();
    expect(fd.taken).toEqual(['one\ntwö\n', 'three\n']);
    jest.advanceTimersByTime(10);
    expect(fd.taken).toHaveLength(2);
  });

  it('writes a full batch at once, without waiting, and one larger than its scratch buffer whole', () => {
    jest.useFakeTimers();
    const fd = descriptor();
    const writer = new LogOutput(fd.write);
    const line = `${'é'.repeat(999)}\n`;
    for (let i = 0; i < 17; i++) writer.write(line);
    expect(fd.taken).toEqual([line.repeat(17)]);
    writer.write('after\n');
    jest.advanceTimersByTime(10);
    expect(fd.taken).toEqual([line.repeat(17), 'after\n']);
    const big = `${'é'.repeat(99_999)}\n`;
    writer.write(big);
    expect(fd.taken[2]).toBe(big);
  });

  it('keeps what a full pipe did not take, and writes it first when the pipe takes again', () => {
    const fd = descriptor(5);
    const writer = new LogOutput(fd.write);
    writer.write('first line\n');
    expect(writer.writeOut()).toBe(false);
    fd.state.room = 0;
    writer.write('second line\n');
    expect(writer.writeOut()).toBe(false);
    fd.state.room = Infinity;
    writer.flush();
    expect(fd.taken.join('')).toBe('first line\nsecond line\n');
  });

  it('holds a bounded amount for a stalled reader, then says how many lines it dropped', () => {
    const fd = descriptor(0);
    const writer = new LogOutput(fd.write, 30);
    for (let i = 0; i < 5; i++) writer.write(`line ${i} of a stall\n`);
    expect(writer.writeOut()).toBe(false);
    fd.state.room = Infinity;
    writer.flush();
    const lines = fd.taken.join('').trimEnd().split('\n');
    expect(lines.slice(0, 1)).toEqual(['line 0 of a stall']);
    expect(JSON.parse(lines[1])).toMatchObject({ level: 40, msg: expect.stringMatching(/^4 log lines dropped/) });
  });

  it('drops what it holds when the descriptor is gone, and goes on', () => {
    const writer = new LogOutput(() => {
      throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
    });
    writer.write('lost\n');
    expect(() => writer.flush()).not.toThrow();
  });
});
