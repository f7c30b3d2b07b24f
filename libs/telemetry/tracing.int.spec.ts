import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { formatTraceparent, parseTraceparent } from './tracing';

const ROOT = join(__dirname, '../..');

describe('parseTraceparent', () => {
  it('reads a W3C traceparent as a remote parent', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('ignores what is absent, malformed, of another version, or all zeros', () => {
    for (const value of [
      undefined,
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      'garbage',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    ])
      expect(parseTraceparent(value)).toBeUndefined();
  });

  it('round-trips what formatTraceparent writes, sampled or not', () => {
    const header = formatTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 0);
    expect(header).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
    expect(parseTraceparent(header)?.traceFlags).toBe(0);
  });
});

describe('startTracing', () => {
  /** Runs `code` in a plain node process (the TypeScript sources, as the entry points run in tests). */
  const run = (code: string, env: NodeJS.ProcessEnv = {}) => {
    const child = spawnSync(process.execPath, ['-r', './test/keeper/fixtures/register-ts.js', '-e', code], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as { on: boolean; sdkLoaded: boolean };
  };
  const probe = `
    const { startTracing, activeTracer } = require('./libs/telemetry/index.ts');
    const handle = startTracing({ service: 'probe' });
    const sdkLoaded = Object.keys(require.cache).some((file) => /sdk-trace|exporter-trace/.test(file));
    console.log(JSON.stringify({ on: activeTracer() !== undefined, sdkLoaded }));
    if (handle) handle.shutdown();
  `;

  it('without OTEL_EXPORTER_OTLP_ENDPOINT: off, and the SDK is never loaded', () => {
    expect(run(probe)).toEqual({ on: false, sdkLoaded: false });
    expect(run(probe, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toEqual({
      on: false,
      sdkLoaded: false,
    });
  });

  it('with it: on, the SDK loaded', () => {
    expect(run(probe, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({ on: true, sdkLoaded: true });
  });
});
