import { encodeSse, SseDecoder } from './sse';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SseDecoder', () => {
  it('assembles an event split across chunks', () => {
    const decoder = new SseDecoder();
    expect(decoder.push(bytes('data: {"a"'))).toEqual([]);
    expect(decoder.push(bytes(':1}\n'))).toEqual([]);
    expect(decoder.push(bytes('\ndata: [DONE]\n\n'))).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }]);
  });

  it('handles CRLF line endings, named events and comments', () => {
    const decoder = new SseDecoder();
    const events = decoder.push(bytes(': keep-alive\r\n\r\nevent: message_start\r\ndata: {"x":1}\r\n\r\n'));
    expect(events).toEqual([{ event: 'message_start', data: '{"x":1}' }]);
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const decoder = new SseDecoder();
    const all = bytes('data: héllo ✓\n\n');
    const cut = 9; // inside the two-byte "é"
    expect(decoder.push(all.slice(0, cut))).toEqual([]);
    expect(decoder.push(all.slice(cut))).toEqual([{ data: 'héllo ✓' }]);
  });

  it('joins multi-line data with newlines', () => {
    expect(new SseDecoder().push('data: a\ndata: b\n\n')).toEqual([{ data: 'a\nb' }]);
  });

  it('delivers an unterminated last event at the end', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: last')).toEqual([]);
    expect(decoder.end()).toEqual([{ data: 'last' }]);
  });
});

describe('encodeSse', () => {
  it('frames data and an optional event name', () => {
    expect(encodeSse('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(encodeSse('{"step":1}', 'thought')).toBe('event: thought\ndata: {"step":1}\n\n');
  });

  it('round-trips multi-line data through the decoder', () => {
    expect(new SseDecoder().push(encodeSse('one\ntwo', 'x'))).toEqual([{ event: 'x', data: 'one\ntwo' }]);
  });
});
