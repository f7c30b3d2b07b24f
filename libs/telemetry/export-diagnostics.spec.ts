import {
  CollectorSecrets,
  diagnosticsLogger,
  LineThrottle,
  reasonOf,
  shownEndpoint,
  SpanExportWatch,
  type TracingLog,
} from './export-diagnostics';

const TOKEN = 'otlp-token-0000-secret-value';
const ENDPOINT = 'http://collector:4318/v1/traces';
const MINUTE = 60_000;

/** What the process's log got: level, message and fields of each line. */
class CapturedLog implements TracingLog {
  readonly lines: Array<{ level: string; message: string; fields: object }> = [];
  info(fields: object, message: string): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(fields: object, message: string): void {
    this.lines.push({ level: 'error', message, fields });
  }
}

/** A clock the spec moves. */
const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });

describe('a failing span export, as the log tells it', () => {
  const setUp = () => {
    const time = clock();
    const log = new CapturedLog();
    const watch = new SpanExportWatch(log, ENDPOINT, new CollectorSecrets({}), new LineThrottle(time.now));
    return { time, log, watch };
  };

  it('is one warning naming the collector and the reason, however many batches fail within the minute', () => {
    const { log, watch } = setUp();
    for (let i = 0; i < 25; i++) watch.failed(refused());
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: `spans could not be exported to ${ENDPOINT}: connect ECONNREFUSED 127.0.0.1:4318`,
        fields: { endpoint: ENDPOINT, reason: 'connect ECONNREFUSED 127.0.0.1:4318' },
      },
    ]);
  });

  it('says so again at most once a minute, with the count of failures not logged', () => {
    const { time, log, watch } = setUp();
    watch.failed(refused());
    time.advance(MINUTE - 1);
    watch.failed(refused());
    watch.failed(refused());
    time.advance(1);
    watch.failed(refused());
    watch.failed(refused());
    expect(log.lines.map((l) => l.message)).toEqual([
      `spans could not be exported to ${ENDPOINT}: connect ECONNREFUSED 127.0.0.1:4318`,
      `spans still could not be exported to ${ENDPOINT}: connect ECONNREFUSED 127.0.0.1:4318 (4 failed exports so far, 2 not logged)`,
    ]);
  });

  it('says once that exports work again, and a later failure is told at once', () => {
    const { log, watch } = setUp();
    watch.exported();
    expect(log.lines).toEqual([]);
    watch.failed(refused());
    watch.failed(refused());
    watch.exported();
    watch.exported();
    watch.failed(refused());
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', `spans could not be exported to ${ENDPOINT}: connect ECONNREFUSED 127.0.0.1:4318`],
      ['info', `spans are exported to ${ENDPOINT} again, after 2 failed export(s)`],
      ['warn', `spans could not be exported to ${ENDPOINT}: connect ECONNREFUSED 127.0.0.1:4318`],
    ]);
  });

  it('counts an error once when both the exporter and the error handler report it', () => {
    const { log, watch } = setUp();
    const error = refused();
    watch.failed(error);
    watch.failed(error);
    watch.exported();
    expect(log.lines.at(-1)?.message).toBe(`spans are exported to ${ENDPOINT} again, after 1 failed export(s)`);
  });
});

describe('why an export failed', () => {
  it("is the collector's status (never its answer body), or the network error", () => {
    const answered = Object.assign(new Error('Service Unavailable'), { code: 503, data: `{"echo":"${TOKEN}"}` });
    expect(reasonOf(answered)).toBe('HTTP 503 Service Unavailable');
    expect(reasonOf(refused())).toBe('connect ECONNREFUSED 127.0.0.1:4318');
    expect(reasonOf('Timeout')).toBe('Timeout');
    // What the exporter says after retrying a 503 (it keeps no status): which answers it retries.
    expect(reasonOf(new Error('Export failed with retryable status'))).toBe(
      'the collector answered 429, 502, 503 or 504 (retried until the export timeout)',
    );
  });
});

describe("the collector's secrets", () => {
  const env = {
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN},x-tenant=acme-prod`,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://trace-user:trace-pass-9999@collector.example:4318/v1/traces?sig=abc',
  };

  it('are redacted from any text: header values (encoded or not, a bearer token alone) and URL credentials', () => {
    const secrets = new CollectorSecrets(env);
    expect(secrets.redact(`header authorization=Bearer ${TOKEN}`)).toBe('header authorization=[REDACTED]');
    expect(secrets.redact(`raw Bearer%20${TOKEN}`)).toBe('raw [REDACTED]');
    expect(secrets.redact(`token ${TOKEN} alone`)).toBe('token [REDACTED] alone');
    expect(secrets.redact('tenant acme-prod')).toBe('tenant [REDACTED]');
    expect(secrets.redact(`could not parse '${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}'`)).not.toMatch(/trace-pass-9999|trace-user/);
  });

  it('leave the shown endpoint, which loses its credentials and query', () => {
    expect(shownEndpoint(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)).toBe('https://collector.example:4318/v1/traces');
    expect(shownEndpoint('not a url')).toBe('(not a URL)');
  });

  it('never reach a failure line, whatever the error says', () => {
    const log = new CapturedLog();
    const watch = new SpanExportWatch(log, ENDPOINT, new CollectorSecrets(env));
    watch.failed(new Error(`rejected header authorization: Bearer ${TOKEN}`));
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
    expect(log.lines[0].message).toBe(`spans could not be exported to ${ENDPOINT}: rejected header authorization: [REDACTED]`);
  });
});

describe("OpenTelemetry's diagnostics", () => {
  it('reach the log at their level, redacted, each kind at most once a minute with the count held back', () => {
    const time = clock();
    const log = new CapturedLog();
    const diag = diagnosticsLogger(
      log,
      new CollectorSecrets({ OTEL_EXPORTER_OTLP_HEADERS: `api-key=${TOKEN}` }),
      new LineThrottle(time.now),
    );
    diag.warn('Dropped 12 spans because maxQueueSize reached');
    diag.warn('Dropped 40 spans because maxQueueSize reached');
    diag.warn('Dropped 7 spans because maxQueueSize reached');
    diag.error(`export failed with header ${TOKEN}`, new Error('boom'));
    diag.info('Export failed after maximum retry attempts (5).');
    diag.debug('items to be sent');
    time.advance(MINUTE);
    diag.warn('Dropped 3 spans because maxQueueSize reached');
    expect(log.lines).toEqual([
      { level: 'warn', message: 'OpenTelemetry: Dropped 12 spans because maxQueueSize reached', fields: {} },
      { level: 'error', message: 'OpenTelemetry: export failed with header [REDACTED] boom', fields: {} },
      {
        level: 'warn',
        message: 'OpenTelemetry: Dropped 3 spans because maxQueueSize reached (2 more like it not logged)',
        fields: { heldBack: 2 },
      },
    ]);
  });
});
