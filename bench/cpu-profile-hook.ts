import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Preloaded (`node -r`) into the Switchboard the benchmark profiles, which it spawns with an IPC
 * channel: `profile:start` starts V8's sampling profiler, `profile:stop` writes the profile to
 * BENCH_PROFILE_FILE and answers `profile:written`. `--cpu-prof` would profile start-up too
 * (module loading, Nest wiring), which says nothing about the request path; a signal would not
 * do, as Nest's shutdown hooks take SIGUSR2.
 */
const file = process.env.BENCH_PROFILE_FILE;
if (file && process.send) {
  const session = new Session();
  session.connect();
  process.on('message', (message) => {
    void (async () => {
      if (message === 'profile:start') {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
        process.send?.('profile:started');
      } else if (message === 'profile:stop') {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(file, JSON.stringify(profile));
        process.send?.('profile:written');
      }
    })();
  });
  // The channel must not keep the process alive on its own.
  process.channel?.unref();
}
