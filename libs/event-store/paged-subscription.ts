import { EventHandler, RecordedEvent, Subscription } from './event-store';

/** Reads up to one page of events with `position > after`, in global order. */
export type ReadPage = (after: bigint) => RecordedEvent[] | Promise<RecordedEvent[]>;

/** Every event with `position > after`, page by page, in global order. */
export async function* readAllPages(readPage: ReadPage, after: bigint): AsyncIterable<RecordedEvent> {
  for (let page = await readPage(after); page.length > 0; page = await readPage(page[page.length - 1].position)) {
    yield* page;
  }
}

/** How long a subscription whose read failed (store unreachable) waits before it reads again. */
const READ_RETRY_MS = 1000;

/**
 * A catch-up subscription over a store that can be read by position (in-memory, SQLite, PostgreSQL).
 * Every wake re-reads from the checkpoint, so local appends, other processes' appends and
 * polls all go through one path: events arrive in order, each exactly once.
 * A handler that throws stops the subscription (its checkpoint stays before that event):
 * `failed` resolves with the error, and `caughtUp` rejects with it when it happens during catch-up.
 * A read that fails (the store is unreachable) stops nothing: the subscription reads again from
 * its checkpoint a moment later, so an outage delays events but never loses or repeats one.
 */
export class PagedSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  readonly failed: Promise<unknown>;
  private resolveFailed!: (error: unknown) => void;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: unknown) => void;
  private isCaughtUp = false;
  private running = false;
  private wokenWhileRunning = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly readPage: ReadPage,
    private checkpoint: bigint,
    private readonly handler: EventHandler,
    private readonly onClose: (subscription: PagedSubscription) => void,
  ) {
    this.caughtUp = new Promise((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    // Callers may never await caughtUp; a rejection must not crash the process.
    this.caughtUp.catch(() => undefined);
    this.failed = new Promise((resolve) => (this.resolveFailed = resolve));
    setImmediate(() => this.wake());
  }

  get position(): bigint {
    return this.checkpoint;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.wokenWhileRunning = true;
      return;
    }
    void this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    this.onClose(this);
    // Nothing more will be delivered: whoever waits for the catch-up must not hang.
    if (!this.isCaughtUp) this.resolveCaughtUp();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      do {
        this.wokenWhileRunning = false;
        if (!(await this.deliverUntilEmpty())) return;
      } while (this.wokenWhileRunning && !this.closed);
      if (!this.isCaughtUp && !this.closed) {
        this.isCaughtUp = true;
        this.resolveCaughtUp();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.running = false;
    }
  }

  /** Delivers pages until one is empty (true), or until a read fails (false: a retry is scheduled). */
  private async deliverUntilEmpty(): Promise<boolean> {
    while (!this.closed) {
      let page: RecordedEvent[];
      try {
        page = await this.readPage(this.checkpoint);
      } catch {
        this.scheduleRetry();
        return false;
      }
      if (page.length === 0) return true;
      for (const event of page) {
        if (this.closed) return true;
        await this.handler(event);
        this.checkpoint = event.position;
      }
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.wake();
    }, READ_RETRY_MS);
    this.retry.unref();
  }

  private fail(error: unknown): void {
    const wasCaughtUp = this.isCaughtUp;
    this.resolveFailed(error);
    this.rejectCaughtUp(error);
    void this.close();
    if (wasCaughtUp) {
      process.emitWarning(
        `event subscription stopped at position ${this.checkpoint}: ${error instanceof Error ? error.message : String(error)}`,
        { code: 'SWITCHBOARD_SUBSCRIPTION_STOPPED' },
      );
    }
  }
}
