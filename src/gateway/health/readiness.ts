import { Injectable } from '@nestjs/common';

/**
 * `up`: works. `degraded`: the process serves, with less (analytics not published, a store answering
 * from memory). `down`: the dependency does not answer.
 */
export type DependencyState = 'up' | 'degraded' | 'down';

export interface DependencyStatus {
  status: DependencyState;
  /** Why, in words safe to show anyone (the endpoint is open to probes): never a URL with credentials. */
  message?: string;
}

/**
 * One dependency the process is configured to use. `required`: the process cannot serve without
 * it, so `down` makes readiness 503; otherwise `down` only degrades service and shows as degraded
 * with 200. A check may itself answer `degraded` (issue 22's store outage served from memory).
 */
export interface DependencyCheck {
  name: string;
  required: boolean;
  check(): Promise<DependencyStatus> | DependencyStatus;
}

/** Terminus' body shape, which probes and existing clients read, with `degraded` beside up and down. */
export interface ReadinessReport {
  status: 'ok' | 'error';
  info: Record<string, DependencyStatus>;
  error: Record<string, DependencyStatus>;
  details: Record<string, DependencyStatus>;
}

const CHECK_TIMEOUT_MS = 2_000;

/**
 * The list of checks `/health/ready` runs. Each module registers the dependencies it opened (the
 * core: event store and projections; ReAct: NATS when NATS_URL; limits: Redis when REDIS_URL) once
 * at start-up, so readiness reports exactly what this process was configured to use.
 */
@Injectable()
export class Readiness {
  private readonly checks: DependencyCheck[] = [];
  private drainingSince?: number;

  register(check: DependencyCheck): void {
    this.checks.push(check);
  }

  /** From now on the process is not ready (SIGTERM): load balancers stop sending it new requests. */
  drain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async report(): Promise<ReadinessReport> {
    const report: ReadinessReport = { status: 'ok', info: {}, error: {}, details: {} };
    const statuses = await Promise.all(this.checks.map((c) => runCheck(c)));
    this.checks.forEach(({ name, required }, i) => {
      let status = statuses[i];
      if (status.status === 'down' && !required) status = { ...status, status: 'degraded' };
      report.details[name] = status;
      if (status.status === 'down') report.error[name] = status;
      else report.info[name] = status;
    });
    if (this.drainingSince !== undefined) {
      const shutdown: DependencyStatus = { status: 'down', message: 'shutting down: finishing the requests in flight' };
      report.details.shutdown = report.error.shutdown = shutdown;
    }
    if (Object.keys(report.error).length > 0) report.status = 'error';
    return report;
  }
}

async function runCheck(check: DependencyCheck): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyStatus>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', message: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
  } catch (err) {
    return { status: 'down', message: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
