// The production Temporal server (not the dev server) on PostgreSQL, as docker-compose.yml
// configures it: the frontend, history, matching and worker services as separate processes on
// throwaway databases, 4 history shards, the namespace the k8s overlays use. The shop's real
// gateway and worker pools place orders through it; each service in turn is SIGKILLed while
// charges are in flight and restarted, and PostgreSQL is cut away from the running services:
// every answer meanwhile is bounded and documented, and every order completes with exactly one
// charge. Opt-in: `npm run test:cluster` (jest.config.js).
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER_ONLY, HOST_OVERRIDES, SERVICES, hostPathOf, readComposeTemporal } from '../../tools/temporal-cluster';
import { createProduct, eventually, oneOf, paymentsOf, placeOrder, waitForStatus } from '../support/orders-fixtures';
import { OrderEntity } from '../../db/entities';
import { type Stack, startStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { type TemporalCluster, startThrowawayCluster } from '../support/temporal-cluster';
import { testEnv } from '../support/test-env';

const NAMESPACE = 'shop';
// As the fault run: a request waiting on an unavailable Temporal gives up (503/202) after this.
const ROUTE_DEADLINE_MS = 8000;
let cluster: TemporalCluster | undefined;
let stack: Stack | undefined;
// Between the services and PostgreSQL (the schema tool goes direct), so a test can cut it.
let postgres: TcpProxy | undefined;
const compose = readComposeTemporal();
const figures: Record<string, number> = {};

beforeAll(async () => {
  const t0 = Date.now();
  postgres = await TcpProxy.start({ targetPort: Number(process.env.TEMPORAL_PG_PORT ?? 5432) });
  cluster = await startThrowawayCluster({ namespace: NAMESPACE, servicesPostgresPort: postgres.port });
  figures.clusterUpMs = Date.now() - t0;
  Object.assign(figures, cluster.timings);
  stack = await startStack({
    env: {
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      ROUTE_DEADLINE_MS: String(ROUTE_DEADLINE_MS),
    },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  const t0 = Date.now();
  postgres?.restore();
  await cluster?.stop();
  figures.stopMs = Date.now() - t0;
  await postgres?.close();
  console.log('cluster figures', JSON.stringify(figures), 'configs and logs:', cluster?.runDir);
}, 120_000);

/**
 * The temporal CLI against the cluster. Never spawnSync: the services reach PostgreSQL through
 * a proxy in this process, which a blocked event loop would freeze along with the call.
 */
function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(testEnv().cli, [...args, '--address', cluster!.address], { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`temporal ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

describe('the cluster', () => {
  it('runs the server version docker-compose.yml pins', () => {
    const out = spawnSync(cluster!.tools.server, ['--version'], { encoding: 'utf8' });
    expect(out.stdout.trim()).toBe(`temporal version ${compose.serverTag}`);
  });

  it("renders every service's configuration from the compose variables", () => {
    const template = readFileSync(
      path.join(cluster!.tools.source, 'common', 'config', 'config_template_embedded.yaml'),
      'utf8',
    );
    // Every variable the harness sets is one the image's template reads (a renamed one would fail here).
    for (const name of [...Object.keys(compose.server), ...Object.keys(HOST_OVERRIDES), ...CLUSTER_ONLY])
      expect([name, template.includes(`env "${name}"`)]).toEqual([name, true]);
    const ports = new Set<number>();
    for (const s of SERVICES) {
      const cfg = cluster!.renderedConfig(s);
      expect(cfg.persistence.numHistoryShards).toBe(Number(compose.server.NUM_HISTORY_SHARDS));
      expect(cfg.persistence.numHistoryShards).toBe(4);
      expect(cfg.persistence.datastores.default.sql).toMatchObject({
        pluginName: compose.server.DB,
        databaseName: cluster!.databases.main,
        user: cluster!.layout.postgres.user,
      });
      expect(cfg.persistence.datastores[cfg.persistence.visibilityStore].sql?.databaseName).toBe(
        cluster!.databases.visibility,
      );
      expect(cfg.dynamicConfigClient?.filepath).toBe(hostPathOf(compose, compose.server.DYNAMIC_CONFIG_FILE_PATH));
      expect(cfg.services[s].rpc.bindOnIP).toBe('127.0.0.1');
      ports.add(cfg.services[s].rpc.grpcPort).add(cfg.services[s].rpc.membershipPort);
      ports.add(Number(cfg.global.metrics?.prometheus?.listenAddress.split(':')[1]));
    }
    expect(ports.size).toBe(SERVICES.length * 3);
  });

  it('is one process per service, with 4 history shards, as the server itself reports', async () => {
    const pids = SERVICES.map((s) => cluster!.pid(s));
    expect(new Set(pids).size).toBe(4);
    const described = JSON.parse(await cli(['operator', 'cluster', 'describe', '--detail', '-o', 'json'])) as {
      historyShardCount: number;
      persistenceStore: string;
      visibilityStore: string;
      serverVersion: string;
    };
    expect(described).toMatchObject({ historyShardCount: 4, serverVersion: compose.serverTag });
    expect(described.persistenceStore).toMatch(/postgres/);
  });

  it('registered the namespace and the search attributes with setup-namespace.sh', async () => {
    const attrs = JSON.parse(await cli(['operator', 'search-attribute', 'list', '-n', NAMESPACE, '-o', 'json'])) as {
      customAttributes: Record<string, string>;
    };
    expect(Object.keys(attrs.customAttributes)).toEqual(
      expect.arrayContaining(['CustomerId', 'OrderStatus', 'OrderTotalCents', 'CartItemCount']),
    );
  });

  it('completes orders in flight, with one charge each, when the history service is SIGKILLed and restarted', async () => {
    const s = stack!;
    const c = await s.customer();
    const p = await createProduct(s, { stock: 10 });
    // pm_card_slow: the provider captures at once and answers 5 s later.
    const placed = await Promise.all([1, 2, 3].map(() => placeOrder(s, c.token, oneOf(p.id, 1, 'pm_card_slow'))));
    expect(placed.map((r) => r.status)).toEqual([201, 201, 201]);
    const ids = placed.map((r) => r.body.id);
    await eventually(
      async () => (await paymentsOf(s, ids[0])).some((x) => x.kind === 'charge'),
      30_000,
      'the first capture',
    );

    const historyPid = cluster!.pid('history');
    const killedAt = Date.now();
    await cluster!.kill('history', 'SIGKILL');
    // While history is down, no order moves on.
    await new Promise((r) => setTimeout(r, 3000));
    const during = await s.request('GET', `/api/orders/${ids[0]}`, { token: c.token });
    await cluster!.restart('history');
    figures.historyRestartMs = Date.now() - killedAt;
    expect(cluster!.pid('history')).not.toBe(historyPid);
    // The new history process takes the 4 shards over (from the dead one's range in PostgreSQL).
    const acquired = await eventually(
      async () => {
        const ids = new Set(
          cluster!
            .processLog('history')
            .split('\n')
            .filter((l) => l.includes('"msg":"Acquired shard"'))
            .map((l) => (JSON.parse(l) as { 'shard-id': number })['shard-id']),
        );
        return ids.size === 4 ? [...ids].sort() : undefined;
      },
      30_000,
      'the restarted history service to acquire the 4 shards',
    );
    expect(acquired).toEqual([1, 2, 3, 4]);

    for (const id of ids) await waitForStatus(s, c.token, id, 'PAID', 120_000);
    figures.recoveryMs = Date.now() - killedAt;
    for (const id of ids) {
      const payments = await paymentsOf(s, id);
      expect([
        id,
        payments.filter((x) => x.kind === 'charge').length,
        payments.filter((x) => x.kind === 'refund').length,
      ]).toEqual([id, 1, 0]);
    }
    expect([200, 503]).toContain(during.status);

    const ship = await s.request('PUT', `/api/orders/${ids[0]}/ship`, { token: await s.adminToken() });
    expect(ship.body.status).toBe('SHIPPED');
    // The run completes once its integration events are published, a moment after the ship.
    const listed = await eventually(
      async () => {
        const runs = JSON.parse(
          await cli(['workflow', 'list', '-n', NAMESPACE, '--query', `WorkflowId = 'order-${ids[0]}'`, '-o', 'json']),
        ) as { status: string }[];
        return runs.every((w) => w.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING') && runs;
      },
      30_000,
      'the shipped order run to close',
    );
    expect(listed.map((w) => w.status)).toEqual(['WORKFLOW_EXECUTION_STATUS_COMPLETED']);
  }, 240_000);
  describe.each([
    {
      outage: 'the matching service SIGKILLed',
      begin: () => cluster!.kill('matching', 'SIGKILL'),
      end: () => cluster!.restart('matching'),
    },
    {
      outage: 'the frontend SIGKILLed',
      begin: () => cluster!.kill('frontend', 'SIGKILL'),
      end: () => cluster!.restart('frontend'),
    },
    {
      outage: 'PostgreSQL cut away from the services',
      begin: async () => postgres!.cut('reset'),
      end: async () => postgres!.restore(),
    },
  ])('with $outage for 10 s', ({ outage, begin, end }) => {
    it('answers every request in time, and completes every order with one charge', async () => {
      const s = stack!;
      const c = await s.customer();
      const p = await createProduct(s, { stock: 10 });
      const inFlight = await Promise.all([1, 2].map(() => placeOrder(s, c.token, oneOf(p.id, 1, 'pm_card_slow'))));
      expect(inFlight.map((r) => r.status)).toEqual([201, 201]);

      const t0 = Date.now();
      await begin();
      // An order placed during the outage: accepted, deferred (202) or refused for now (503), in time.
      const key = randomUUID();
      const duringStart = Date.now();
      const during = await placeOrder(s, c.token, oneOf(p.id, 1), { idempotencyKey: key });
      const duringMs = Date.now() - duringStart;
      const read = await s.request('GET', `/api/orders/${inFlight[0].body.id}`, { token: c.token });
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + 10_000 - Date.now())));
      await end();
      figures[`${outage} placeMs`] = duringMs;

      expect([outage, duringMs < ROUTE_DEADLINE_MS + 2000]).toEqual([outage, true]);
      expect([201, 202, 503]).toContain(during.status);
      if (during.status === 503) expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
      if (during.status === 202) expect(during.headers.get('location')).toMatch(/^\/api\/orders\//);
      expect([200, 503]).toContain(read.status);

      // The customer retries the deferred or refused order with its key until it is accepted.
      let retried = during;
      const retryUntil = Date.now() + 120_000;
      while (retried.status !== 201 && Date.now() < retryUntil) {
        await new Promise((r) => setTimeout(r, 1000));
        retried = await placeOrder(s, c.token, oneOf(p.id, 1), { idempotencyKey: key });
      }
      expect(retried.status).toBe(201);

      const ids = [...inFlight.map((r) => r.body.id), retried.body.id];
      for (const id of ids) await waitForStatus(s, c.token, id, 'PAID', 120_000);
      figures[`${outage} recoveryMs`] = Date.now() - t0;
      const orders = await s.workerDeps.dataSource.getRepository(OrderEntity).countBy({ userId: c.id });
      expect(orders).toBe(3);
      for (const id of ids) {
        const payments = await paymentsOf(s, id);
        expect([id, payments.filter((x) => x.kind === 'charge').length]).toEqual([id, 1]);
      }
    }, 240_000);
  });
});
