// Container health check for every role of the one image (Dockerfile HEALTHCHECK, compose).
// With URLs as arguments it probes those (e.g. a readiness URL in docker-compose.yml);
// without, it probes the liveness endpoint of whichever role this container runs: the gateway
// on PORT or a worker pool on WORKER_HTTP_PORT. Exit 0 when one answers 200, 1 otherwise.
/* global AbortSignal */
const env = process.env;
const urls =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [`http://127.0.0.1:${env.PORT || 3000}/healthz`, `http://127.0.0.1:${env.WORKER_HTTP_PORT || 9465}/healthz`];

async function probe(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

const results = await Promise.all(urls.map(probe));
if (!results.includes(true)) {
  console.error(`unhealthy: no 200 from ${urls.join(', ')}`);
  process.exit(1);
}
