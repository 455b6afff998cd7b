// The gateway keeps idle connections longer than the proxies in front of it (api/http-server.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEEP_ALIVE_TIMEOUT_MS, configureHttpServer } from '../../api/http-server';

function keepAliveHeader(server: http.Server): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true });
    http
      .get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          agent.destroy();
          resolve(res.headers['keep-alive'] as string | undefined);
        });
      })
      .on('error', reject);
  });
}

it('announces and keeps idle keep-alive connections for 65 s, longer than a 60 s load-balancer idle timeout', async () => {
  const plain = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  const tuned = configureHttpServer(http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1'));
  await Promise.all(
    [plain, tuned].map((s) => new Promise((r) => (s.listening ? r(undefined) : s.once('listening', r)))),
  );
  try {
    expect(await keepAliveHeader(plain)).toBe('timeout=5'); // Node's default: the control
    expect(await keepAliveHeader(tuned)).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(tuned.headersTimeout).toBeGreaterThan(tuned.keepAliveTimeout);
  } finally {
    plain.close();
    tuned.close();
  }
});
