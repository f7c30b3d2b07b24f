/**
 * The two promises every `Subscription` exposes and the rules for settling them, for each
 * adapter's subscription to share: `caughtUp` resolves once (or rejects with the handler's error
 * during the catch-up), `failed` resolves with the error that stopped delivery for good.
 */
export class SubscriptionSignals {
  readonly caughtUp: Promise<void>;
  readonly failed: Promise<unknown>;
  private resolveFailed!: (error: unknown) => void;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: unknown) => void;
  private isCaughtUp = false;

  constructor() {
    this.caughtUp = new Promise((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    // Callers may never await caughtUp; a rejection must not crash the process.
    this.caughtUp.catch(() => undefined);
    this.failed = new Promise((resolve) => (this.resolveFailed = resolve));
  }

  markCaughtUp(): void {
    if (this.isCaughtUp) return;
    this.isCaughtUp = true;
    this.resolveCaughtUp();
  }

  /** The subscription closed: nothing more will be delivered, so whoever waits for the catch-up must not hang. */
  released(): void {
    if (!this.isCaughtUp) this.resolveCaughtUp();
  }

  /**
   * A handler threw at `position`: delivery stops. After the catch-up nobody awaits `caughtUp`
   * any more, so a warning says that what readers were fed is going stale.
   */
  stopped(error: unknown, position: bigint): void {
    this.resolveFailed(error);
    this.rejectCaughtUp(error);
    if (this.isCaughtUp) {
      process.emitWarning(`event subscription stopped at position ${position}: ${error instanceof Error ? error.message : String(error)}`, {
        code: 'SWITCHBOARD_SUBSCRIPTION_STOPPED',
      });
    }
  }
}
