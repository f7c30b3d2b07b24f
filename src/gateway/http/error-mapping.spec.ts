import { mapError } from './error-mapping';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('mapError', () => {
  it('takes a client that hung up mid-body for what it is: no 500, nothing to log', () => {
    const mapped = mapError(withCode('aborted', 'ECONNRESET'));
    expect(mapped).toMatchObject({ status: 400, unexpected: false });
    expect(mapped.body.error.message).toMatch(/client closed the connection/);
  });

  it('keeps any other connection reset a logged 500, whose detail stays out of the answer', () => {
    const mapped = mapError(withCode('read ECONNRESET 10.0.0.7:2113', 'ECONNRESET'));
    expect(mapped).toMatchObject({ status: 500, unexpected: true });
    expect(mapped.body.error.message).not.toContain('10.0.0.7');
  });
});
