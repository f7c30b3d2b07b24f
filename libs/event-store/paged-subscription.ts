import { EventHandler, RecordedEvent, Subscription } from './event-store';

/** Reads up to one page of events with `position > after`, in global order. */
export type ReadPage = (after: bigint) => RecordedEvent[];

/**
 * A catch-up subscription over a store that can be read by position (in-memory, SQLite).
 * Every wake re-reads from the checkpoint, so local appends, other processes' appends and
 * polls all go through one path: events arrive in order, each exactly once.
 * A handler that throws stops the subscription (its checkpoint stays before that event):
 * `failed` resolves with the error, and `caughtUp` rejects with it when it happens during catch-up.
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
    this.onClose(this);
    // Nothing more will be delivered: whoever waits for the catch-up must not hang.
    if (!this.isCaughtUp) this.resolveCaughtUp();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      do {
        this.wokenWhileRunning = false;
        await this.deliverUntilEmpty();
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

  private async deliverUntilEmpty(): Promise<void> {
    while (!this.closed) {
      const page = this.readPage(this.checkpoint);
      if (page.length === 0) return;
      for (const event of page) {
        if (this.closed) return;
        await this.handler(event);
        this.checkpoint = event.position;
      }
    }
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
