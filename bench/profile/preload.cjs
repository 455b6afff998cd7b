// CPU profiling of the shop's processes for bench/run-bench.ts --profile (Node 20 refuses
// --cpu-prof in NODE_OPTIONS): NODE_OPTIONS="--require <this file>" with BENCH_PROFILE_DIR set
// starts the V8 sampling profiler in-process and writes <dir>/<argv>-<pid>.cpuprofile at exit.
// Works only in processes that exit through process.exit or the end of the event loop (the
// shop's gateway and workers do, on SIGTERM).
'use strict';
const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const { Session } = require('node:inspector');
  const { writeFileSync, mkdirSync } = require('node:fs');
  const path = require('node:path');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  // SIGUSR2 restarts the profile: the bench sends it when the measured load begins, so start-up
  // (module loading, bundle compilation) stays out of the figures.
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', () => session.post('Profiler.start'));
  });
  const name =
    process.argv
      .slice(1)
      .map((a) => path.basename(a).replace(/\.(js|ts)$/, ''))
      .join('-') || 'node';
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
