import { EventHandler, RecordedEvent, Subscription } from './event-store';
import { SubscriptionSignals } from './subscription-signals';

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
  private readonly signals = new SubscriptionSignals();
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
    setImmediate(() => this.wake());
  }

  get caughtUp(): Promise<void> {
    return this.signals.caughtUp;
  }

  get failed(): Promise<unknown> {
    return this.signals.failed;
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
    this.signals.released();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      do {
        this.wokenWhileRunning = false;
        if (!(await this.deliverUntilEmpty())) return;
      } while (this.wokenWhileRunning && !this.closed);
      if (!this.closed) this.signals.markCaughtUp();
    } catch (error) {
      this.signals.stopped(error, this.checkpoint);
      void this.close();
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
}

/** What makes a store notice appends by other processes: started with its first subscription, stopped after its last closes. */
export interface AppendWatch {
  start(): void;
  stop(): void;
}

/**
 * The subscriptions of one store that reads by position: each opened over the store's page read,
 * all woken after an append (this process's or, through the watch, another's), closed with the store.
 */
export class PagedSubscriptions {
  private readonly open = new Set<PagedSubscription>();
  private closed = false;

  constructor(
    private readonly readPage: ReadPage,
    private readonly watch?: AppendWatch,
  ) {}

  subscribe(after: bigint | undefined, handler: EventHandler): Subscription {
    const subscription = new PagedSubscription(this.readPage, after ?? 0n, handler, (closed) => this.forget(closed));
    this.open.add(subscription);
    // A store that is closing no longer watches for appends.
    if (!this.closed) this.watch?.start();
    return subscription;
  }

  /** Something was appended: every subscription reads on from its checkpoint, on the next turn. */
  wake(): void {
    for (const subscription of this.open) setImmediate(() => subscription.wake());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open].map((subscription) => subscription.close()));
    this.watch?.stop();
  }

  private forget(subscription: PagedSubscription): void {
    this.open.delete(subscription);
    if (this.open.size === 0) this.watch?.stop();
  }
}

/**
 * Looks at the store's newest position every `intervalMs` and calls `moved` only when it changed
 * since the last look. A look that fails (`readHead` throws: store unreachable) is skipped: the next
 * one tries again, and the subscriptions retry their reads on their own.
 */
export class HeadPoll implements AppendWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastSeen: bigint | undefined;

  constructor(
    private readonly readHead: () => bigint | undefined | Promise<bigint | undefined>,
    private readonly intervalMs: number,
    private readonly moved: () => void,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.look(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async look(): Promise<void> {
    let head: bigint | undefined;
    try {
      head = await this.readHead();
    } catch {
      return;
    }
    if (head === undefined || head === this.lastSeen) return;
    this.lastSeen = head;
    this.moved();
  }
}
