/**
 * Why a session was stopped from outside, carried as an abort reason: a parent session's stop
 * (for its `ask_agent` helper) or the gateway's shutdown. Any other abort of a session's signal
 * reads as the client having disconnected.
 */
export class SessionStop extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionStop';
  }
}

/** The stop reason a session reports for its aborted outside signal. */
export function stopMessage(signal: AbortSignal): string {
  return signal.reason instanceof SessionStop ? signal.reason.message : 'client disconnected';
}

/** Settles when the work does or the signal aborts, whichever comes first (the work may ignore its signal). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
