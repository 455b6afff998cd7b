// Renders a results JSON of bench/run-bench.ts as the Markdown table of bench/results/latest.md.
// `tsx bench/report.ts <results.json>` re-renders one.
import { readFileSync } from 'node:fs';

type R = Record<string, any>;

const f = (x: unknown, d = 0): string =>
  typeof x === 'number' && Number.isFinite(x)
    ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
    : '–';
const ms = (x: unknown): string =>
  typeof x !== 'number' || !Number.isFinite(x) ? '–' : x < 10 ? f(x, 2) : x < 100 ? f(x, 1) : f(x, 0);
const ratio = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? `${f(x, 2)}×` : '–');
const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? '✅ met' : '❌ not met');

const PROCESS_LABEL: Record<string, string> = {
  gateway: 'gateway (Koa)',
  'worker:users': 'worker users',
  'worker:catalog': 'worker catalog',
  'worker:orders': 'worker orders',
  'worker:notifications': 'worker notifications',
  'temporal-dev-server': 'Temporal dev server',
  'trivial-worker': 'trivial worker',
  'bare-koa+direct': 'bare Koa + direct SQL',
  'smtp-sink': 'SMTP sink',
  'bench (load generator)': 'load generator (bench)',
  mariadb: 'MariaDB',
  redis: 'Redis',
};
const label = (k: string) => PROCESS_LABEL[k] ?? k;
const SHOP = ['gateway', 'worker:users', 'worker:catalog', 'worker:orders', 'worker:notifications'];

/** "dev server 43%, worker orders 30%, ..." of a CPU-per-op map. */
function topConsumers(cpu: Record<string, number> | undefined, n = 4): string {
  if (!cpu) return '–';
  const total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return Object.entries(cpu)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${label(k)} ${f((100 * v) / total)}%`)
    .join(', ');
}

export function targetsOf(r: R): { name: string; value: string; met?: boolean; limitedBy: string }[] {
  const out: { name: string; value: string; met?: boolean; limitedBy: string }[] = [];
  const c = r.catalog?.summary;
  if (c) {
    const gen = c.generator === 'wrk' ? 'wrk' : 'the Node generator';
    out.push({
      name: 'Cached catalog read ≥ 0.5× bare Koa throughput',
      value: `${ratio(c.ratio)} (${f(c.gatewayMaxRps)}/s vs ${f(c.bareMaxRps)}/s, ${gen})`,
      met: Number.isFinite(c.ratio) ? c.ratio >= 0.5 : undefined,
      limitedBy: `gateway CPU per request (see the next target); ${gen} used ${f(100 * c.bareLoadgenCpu)}% of a core on the bare run${c.bareGeneratorBound ? " (saturated: the bare figure is the generator's)" : ''}`,
    });
    const cost = c.gatewayCpuUsPerReq / c.bareCpuUsPerReq;
    out.push({
      name: 'Cached catalog read: gateway CPU per request ≤ 2× the bare handler',
      value: `${f(c.gatewayCpuUsPerReq)} µs vs ${f(c.bareCpuUsPerReq)} µs = ${ratio(cost)}; a 304 revalidation ${f(c.notModifiedCpuUsPerReq)} µs (${ratio(c.notModifiedCpuUsPerReq / c.bareCpuUsPerReq)}), ${f(c.notModifiedMaxRps)}/s`,
      met: Number.isFinite(cost) ? cost <= 2 : undefined,
      limitedBy:
        'the gateway middleware and the two Redis round trips per request (the cluster-wide rate limit and the cache MGET): a 304 skips only the body',
    });
  }
  const o = r.flows?.summary;
  if (o) {
    const cpu = o.cpuMsPerOrder as Record<string, number> | undefined;
    const totalCpu = cpu ? Object.values(cpu).reduce((a, b) => a + b, 0) : NaN;
    out.push({
      name: 'Order throughput ≥ 0.5× trivial-workflow throughput',
      value: `${ratio(o.ordersVsTrivial)} (${f(o.ordersMaxRps, 1)} vs ${f(o.trivialMaxRps, 1)} /s)`,
      met: Number.isFinite(o.ordersVsTrivial) ? o.ordersVsTrivial >= 0.5 : undefined,
      limitedBy: `CPU: ${f(totalCpu)} ms of CPU per order on 2 cores (${topConsumers(cpu)}) vs ${f(Object.values((o.cpuMsPerTrivial ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0))} ms per trivial workflow`,
    });
    const e = o.atEqualRate;
    out.push({
      name: 'Order accept p99 ≤ 3× trivial-start p99',
      value: `${ms(e.ordersAcceptP99)} ms vs ${ms(e.trivialStartP99)} ms = ${ratio(e.ordersAcceptP99 / e.trivialStartP99)} at ${f(e.rate)}/s (trivial start→result p99 ${ms(e.trivialCompletionP99)} ms)`,
      met: Number.isFinite(e.ordersAcceptP99 / e.trivialStartP99)
        ? e.ordersAcceptP99 <= 3 * e.trivialStartP99
        : undefined,
      limitedBy:
        "round trips: the 201 waits for update-with-start (a workflow task), the catalog's priceAndReserve activity and the workflow task that writes the order row in a local activity: 3 dispatches by the server vs 1 RPC for the trivial start; the dev server's dispatch latency grows steeply with load",
    });
    const errs = ['orders', 'trivial', 'direct'].reduce((a, k) => a + (o.atMax?.[k]?.errors ?? 0), 0) + (e.errors ?? 0);
    out.push({
      name: '0 errors at the reported rate',
      value: `${errs} errors in ${f(['orders', 'trivial', 'direct'].reduce((a, k) => a + (o.atMax?.[k]?.sent ?? 0), 0))} operations at the reported rates`,
      met: errs === 0,
      limitedBy: '–',
    });
  }
  return out;
}

export function renderMarkdown(r: R): string {
  const L: string[] = [];
  const m = r.machine ?? {};
  L.push('# Benchmark results');
  L.push('');
  L.push(
    `Run ${r.startedAt} (${f(r.durationS)} s${r.label ? `, label \`${r.label}\`` : ''}): ${m.cpus} × ${m.model}, ${m.memGiB} GiB, Node ${m.node}, ${m.temporal}, MariaDB ${m.mariadb}, ${m.redis?.split(' ').slice(0, 3).join(' ')}. ` +
      `Load average at start ${(m.loadavgAtStart ?? []).map((x: number) => x.toFixed(2)).join(' ')}, at end ${(m.loadavgAtEnd ?? []).map((x: number) => x.toFixed(2)).join(' ')}.`,
  );
  L.push('');
  L.push(
    `**Everything runs on the same ${m.cpus}-core machine**: the load generator, the Temporal dev server (in memory), the gateway, the four worker pools, MariaDB, Redis, the baselines, ` +
      'and whatever else the machine is doing (other sessions\' test suites: the "foreign load" column is busy CPU not accounted to any process of this run). Ratios compare runs made in the same process tree, interleaved; absolute figures are this machine\'s.',
  );
  L.push('');

  const fl = r.foreignLoad;
  if (fl && Number.isFinite(fl.median)) {
    L.push(
      `Foreign load during the measured steps: median ${f(100 * fl.median)}%, max ${f(100 * fl.max)}% of the machine${fl.median > 0.1 ? ' — **a noisy run: absolute figures are pessimistic; the interleaved ratios hold better**' : ''}.`,
    );
    L.push('');
  }

  const targets = targetsOf(r);
  if (targets.length) {
    L.push('## Targets');
    L.push('');
    L.push('| target | measured | status | what limits it |');
    L.push('|---|---|---|---|');
    for (const t of targets) L.push(`| ${t.name} | ${t.value} | ${mark(t.met)} | ${t.limitedBy} |`);
    L.push('');
  }

  const c = r.catalog;
  if (c) {
    const s = c.summary;
    L.push('## Catalog read: `GET /api/products/:id`, cache hit, anonymous');
    L.push('');
    const table = (title: string, x: R | undefined, reps: R[] | undefined, rateOf: (rep: R, t: string) => unknown) => {
      if (!x) return;
      L.push(`### ${title}`);
      L.push('');
      L.push(
        '| | full gateway, 200 | full gateway, 304 (If-None-Match) | bare Koa handler | gateway ÷ bare | 304 ÷ bare |',
      );
      L.push('|---|---|---|---|---|---|');
      L.push(
        `| highest rate (median of ${reps?.length ?? 0}) | ${f(x.gatewayMaxRps)}/s | ${f(x.notModifiedMaxRps)}/s | ${f(x.bareMaxRps)}/s${x.bareGeneratorBound ? ' (generator core saturated)' : ''} | ${ratio(x.ratio)} | ${ratio(x.notModifiedRatio)} |`,
      );
      for (const rep of reps ?? [])
        L.push(
          `| · repetition ${rep.rep} (${rep.order.join(', ')}) | ${f(rateOf(rep, 'gateway'))}/s | ${f(rateOf(rep, 'notModified'))}/s | ${f(rateOf(rep, 'bare'))}/s | ${ratio(Number(rateOf(rep, 'gateway')) / Number(rateOf(rep, 'bare')))} | ${ratio(Number(rateOf(rep, 'notModified')) / Number(rateOf(rep, 'bare')))} |`,
        );
      L.push(
        `| server CPU per request | ${f(x.gatewayCpuUsPerReq)} µs | ${f(x.notModifiedCpuUsPerReq)} µs | ${f(x.bareCpuUsPerReq)} µs | ${ratio(x.gatewayCpuUsPerReq / x.bareCpuUsPerReq)} the cost | ${ratio(x.notModifiedCpuUsPerReq / x.bareCpuUsPerReq)} the cost |`,
      );
      if (x.gatewayP50AtMax !== undefined)
        L.push(
          `| p50 / p99 at that rate | ${ms(x.gatewayP50AtMax)} / ${ms(x.gatewayP99AtMax)} ms | ${ms(x.notModifiedP50AtMax)} / ${ms(x.notModifiedP99AtMax)} ms | ${ms(x.bareP50AtMax)} / ${ms(x.bareP99AtMax)} ms | | |`,
        );
      else
        L.push(
          `| p99 at that rate | ${ms(x.gatewayP99AtMax)} ms | ${ms(x.notModifiedP99AtMax)} ms | ${ms(x.bareP99AtMax)} ms | | |`,
        );
      L.push(
        `| load generator CPU | ${f(100 * x.gatewayLoadgenCpu)}% of a core | ${f(100 * x.notModifiedLoadgenCpu)}% of a core | ${f(100 * x.bareLoadgenCpu)}% of a core | | |`,
      );
      L.push('');
    };
    table(
      `wrk (closed loop: ${c.wrk?.connections} connections, 1 thread, ${c.wrk?.seconds} s per run; ${c.wrk?.errors} errors, ${c.wrk?.notHits} answers that were not cache HITs)`,
      c.wrk,
      c.wrkReps,
      (rep, t) => rep[t]?.rps,
    );
    table('The Node open-loop generator (step search)', c.node, c.reps, (rep, t) => rep[t]?.best?.offeredRps);
    L.push(
      `Open loop, the Node generator, every target at ${f(c.equalLoad.rate)}/s: p50 / p99 gateway ${ms(s.gatewayP50AtEqualLoad)} / ${ms(s.gatewayP99AtEqualLoad)} ms, 304 ${ms(s.notModifiedP50AtEqualLoad)} / ${ms(s.notModifiedP99AtEqualLoad)} ms, bare ${ms(s.bareP50AtEqualLoad)} / ${ms(s.bareP99AtEqualLoad)} ms.`,
    );
    L.push('');
    L.push(
      `wrk: the highest throughput at that many connections; a run counts only with no error and every gateway answer a cache HIT (the gateway's own counters). Node generator: sustained = no error, every response a 200 (304) with \`X-Cache: HIT\`, achieved ≥ 95% of offered, p99 ≤ ${r.method.readP99BudgetMs} ms; steps of ${r.method.stepMs.readMs / 1000} s.`,
    );
    L.push('');
  }

  const o = r.flows;
  if (o) {
    const s = o.summary;
    L.push('## Order placement, end to end');
    L.push('');
    L.push(
      '| | orders: `POST /api/orders` → PAID | trivial workflow (1 activity) | direct SQL (same transaction, no Temporal) |',
    );
    L.push('|---|---|---|---|');
    L.push(
      `| highest sustained rate (median of ${o.reps.length}) | **${f(s.ordersMaxRps, 1)}/s** | ${f(s.trivialMaxRps, 1)}/s | ${f(s.directMaxRps, 1)}/s |`,
    );
    for (const rep of o.reps)
      L.push(
        `| · repetition ${rep.rep} (${rep.order.join(', ')}) | ${f(rep.orders?.best?.offeredRps, 1)}/s | ${f(rep.trivial?.best?.offeredRps, 1)}/s | ${f(rep.direct?.best?.offeredRps, 1)}/s |`,
      );
    L.push(
      `| orders ÷ baseline (median of per-repetition ratios) | | ${ratio(s.ordersVsTrivial)} | ${ratio(s.ordersVsDirect)} |`,
    );
    const a = s.atMax ?? {};
    L.push(
      `| accept p50 / p99 at that rate | ${ms(a.orders?.acceptP50)} / ${ms(a.orders?.acceptP99)} ms (201) | ${ms(a.trivial?.acceptP50)} / ${ms(a.trivial?.acceptP99)} ms (start ack) | ${ms(a.direct?.acceptP50)} / ${ms(a.direct?.acceptP99)} ms |`,
    );
    L.push(
      `| completion p50 / p99 at that rate | ${ms(a.orders?.completionP50)} / ${ms(a.orders?.completionP99)} ms (PAID) | ${ms(a.trivial?.completionP50)} / ${ms(a.trivial?.completionP99)} ms (result) | = accept |`,
    );
    L.push(
      `| errors at that rate | ${f(a.orders?.errors)} of ${f(a.orders?.sent)} | ${f(a.trivial?.errors)} of ${f(a.trivial?.sent)} | ${f(a.direct?.errors)} of ${f(a.direct?.sent)} |`,
    );
    L.push('');
    const e = s.atEqualRate;
    L.push(
      `Latency at the same arrival rate, ${f(e.rate)}/s (half the orders' sustained rate), median of 2 interleaved runs:`,
    );
    L.push('');
    L.push('| | p50 | p99 |');
    L.push('|---|---|---|');
    L.push(
      `| order accepted (201 PENDING: priced, reserved, row written) | ${ms(e.ordersAcceptP50)} ms | ${ms(e.ordersAcceptP99)} ms |`,
    );
    L.push(
      `| order PAID (seen in the orders table) | ${ms(e.ordersCompletionP50)} ms | ${ms(e.ordersCompletionP99)} ms |`,
    );
    L.push(
      `| trivial workflow started (start acknowledged) | ${ms(e.trivialStartP50)} ms | ${ms(e.trivialStartP99)} ms |`,
    );
    L.push(
      `| trivial workflow completed (result) | ${ms(e.trivialCompletionP50)} ms | ${ms(e.trivialCompletionP99)} ms |`,
    );
    L.push('');
    L.push(
      `Sustained = errors ≤ ${f(100 * r.method.flowBudget.maxErrorRate, 1)}%, ≥ 95% accepted, everything completed within ${f(r.method.flowBudget.drainTimeoutMs / 1000)} s of the last request ` +
        `(and every order-paid e-mail delivered), accept p99 ≤ ${f(r.method.flowBudget.acceptP99Ms)} ms, completion p99 ≤ ${f(r.method.flowBudget.completionP99Ms)} ms, and no growing backlog ` +
        `(completion p50 of the step's last third ≤ 2× its first third); steps of ${r.method.stepMs.flowMs / 1000} s. Completion of orders is seen by polling the orders table every ${r.method.completionPollMs} ms (adds 0–${r.method.completionPollMs} ms).`,
    );
    L.push('');
    L.push(
      `### CPU per operation, by process (ms${s.cpuIsNetOfIdle ? ", net of each process's idle CPU" : ''}; orders and trivial at ${f(e.rate)}/s, direct at its highest rate)`,
    );
    L.push('');
    L.push('| process | per order | per trivial workflow | per direct order |');
    L.push('|---|---|---|---|');
    const names = Object.keys(s.cpuMsPerOrder ?? {}).filter(
      (k) =>
        (s.cpuMsPerOrder[k] ?? 0) >= 0.05 ||
        (s.cpuMsPerTrivial?.[k] ?? 0) >= 0.05 ||
        (s.cpuMsPerDirectOrder?.[k] ?? 0) >= 0.05,
    );
    const cell = (x: number | undefined) => (x === undefined || x < 0.05 ? '·' : f(x, 1));
    for (const k of names)
      L.push(
        `| ${label(k)} | ${cell(s.cpuMsPerOrder?.[k])} | ${cell(s.cpuMsPerTrivial?.[k])} | ${cell(s.cpuMsPerDirectOrder?.[k])} |`,
      );
    const sum = (mp: Record<string, number> | undefined, only?: string[]) =>
      Object.entries(mp ?? {})
        .filter(([k]) => !only || only.includes(k))
        .reduce((x, [, v]) => x + v, 0);
    L.push(`| **shop (gateway + workers)** | **${f(sum(s.cpuMsPerOrder, SHOP), 1)}** | | |`);
    L.push(
      `| all processes of the run | ${f(sum(s.cpuMsPerOrder), 1)} | ${f(sum(s.cpuMsPerTrivial), 1)} | ${f(sum(s.cpuMsPerDirectOrder), 1)} |`,
    );
    L.push('');
    L.push(
      `CPU is utime + stime from /proc/<pid>/stat over the step (send + drain), ${s.cpuIsNetOfIdle ? 'minus what each process uses idle over the same time (polling, timers, metrics; measured just before), ' : ''}divided by the operations completed; "·" is under 0.05 ms. ` +
        `${Number.isFinite(s.grossCpuMsPerOrder) ? `Gross (idle included): ${f(s.grossCpuMsPerOrder, 1)} ms per order, ${f(s.grossCpuMsPerTrivial, 1)} ms per trivial workflow. ` : ''}The order e-mail (its sendEmail workflow on the notifications pool) is included; the direct baseline sends none.`,
    );
    L.push('');
  }

  const x = r.mixed;
  if (x) {
    L.push('## Mixed shop load: browse 10 : view order 3 : cart 2 : place order 1 : cancel 0.2');
    L.push('');
    L.push(
      '| offered | achieved | browse p50/p99 | view order p50/p99 | cart round p50/p99 | place (201) p50/p99 | → PAID p99 | cancel p50/p99 | cache hit ratio (browse) | errors | foreign load | sustained |',
    );
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const s of x.steps) {
      const p = s.perOp;
      L.push(
        `| ${f(s.offeredRps)}/s | ${f(s.achievedRps)}/s | ${ms(p.browse.p50)} / ${ms(p.browse.p99)} ms | ${ms(p.viewOrder.p50)} / ${ms(p.viewOrder.p99)} ms | ${ms(p.cart.p50)} / ${ms(p.cart.p99)} ms | ${ms(p.placeOrder.p50)} / ${ms(p.placeOrder.p99)} ms | ${ms(s.orderCompletion.p99)} ms | ${ms(p.cancel.p50)} / ${ms(p.cancel.p99)} ms | ${f(100 * s.cacheHitRatio)}% | ${f(s.errors)} | ${f(100 * s.foreignLoad)}% | ${s.sustained ? '✓' : `✗ ${s.notSustainedBecause ?? ''}`} |`,
      );
    }
    L.push('');
    L.push(
      'Browse: product pages of the 100 ordered products (anonymous; 1 in 5 a product list page); orders invalidate the cached copies of the products they reserve, so some browses miss. View order and cancel: PAID orders placed earlier in the run, by their owners. Cart round: a customer adds a line (update-with-start on the first), reads the cart and removes the line (three requests, one latency). Cancel answers after refund, stock release and e-mail.',
    );
    L.push('');
  }

  const ck = r.checkout?.summary;
  if (ck) {
    L.push('## Checkout vs POST /api/orders (one unit of a random product, until PAID)');
    L.push('');
    L.push(
      `Checkout = \`PUT /api/cart/items/:id\` (one unit into an empty cart) then \`POST /api/cart/checkout\` (Idempotency-Key, shipping address) until its 201; each checkout in flight has a customer (a cart) of its own. Steps of ${f(r.checkout.stepMs / 1000, 1)} s.`,
    );
    L.push('');
    L.push('| | checkout | POST /api/orders | checkout ÷ orders |');
    L.push('|---|---|---|---|');
    L.push(
      `| highest sustained orders/s | ${f(ck.checkoutMaxRps, 1)} | ${f(ck.ordersMaxRps, 1)} | ${ratio(ck.checkoutVsOrders)} |`,
    );
    L.push(
      `| at ${f(ck.rate)}/s: until the 201, p50 / p99 | ${ms(ck.checkoutAcceptP50)} / ${ms(ck.checkoutAcceptP99)} ms (add ${ms(ck.addItemP50)} / ${ms(ck.addItemP99)}, checkout ${ms(ck.checkoutRequestP50)} / ${ms(ck.checkoutRequestP99)}) | ${ms(ck.ordersAcceptP50)} / ${ms(ck.ordersAcceptP99)} ms | ${ratio(ck.checkoutAcceptP50 / ck.ordersAcceptP50)} (p50) |`,
    );
    L.push(
      `| at ${f(ck.rate)}/s: until PAID, p50 / p99 | ${ms(ck.checkoutPaidP50)} / ${ms(ck.checkoutPaidP99)} ms | ${ms(ck.ordersPaidP50)} / ${ms(ck.ordersPaidP99)} ms | ${ratio(ck.checkoutPaidP50 / ck.ordersPaidP50)} (p50) |`,
    );
    L.push(
      `| CPU per order, every process${ck.cpuIsNetOfIdle ? ' (net of idle)' : ''} | ${f(ck.checkoutCpuMsPerOrder, 1)} ms | ${f(ck.ordersCpuMsPerOrder, 1)} ms | ${ratio(ck.checkoutCpuMsPerOrder / ck.ordersCpuMsPerOrder)} |`,
    );
    L.push(
      `| where the CPU goes | ${topConsumers(ck.cpuMsPerCheckoutByProcess)} | ${topConsumers(ck.cpuMsPerOrderByProcess)} | |`,
    );
    L.push(`| errors (equal-rate runs) | ${f(ck.checkoutErrors)} | ${f(ck.ordersErrors)} | |`);
    L.push('');
  }

  if (r.processes) {
    L.push('## Peak memory (VmHWM) per process');
    L.push('');
    L.push('| process | peak RSS | RSS at the end | CPU during the run |');
    L.push('|---|---|---|---|');
    for (const [k, v] of Object.entries(r.processes as Record<string, R>))
      L.push(`| ${label(k)} | ${f(v.peakMiB)} MiB | ${f(v.rssMiB)} MiB | ${f((v.cpuMsTotal ?? NaN) / 1000, 1)} s |`);
    L.push('');
    if (r.ordersPlaced) {
      L.push(
        `${f(r.ordersPlaced)} orders were placed during the run; every PAID order stays open (its workflow waits for ship or cancel), so the orders pool's workflow cache fills with them up to its size (WORKER_MAX_CACHED_WORKFLOWS; default min(250, the SDK's heap-based size)).`,
      );
      L.push('');
    }
  }

  L.push('## How it is measured');
  L.push('');
  L.push(
    '- `npm run bench` (build, then `tsx bench/run-bench.ts`); a throwaway MariaDB database and Redis key prefix per run, dropped at the end; the shop runs as separate processes from `dist/` (prebuilt workflow bundles) with `NODE_ENV=production` and `LOG_LEVEL=info`; the Temporal dev server runs in memory.',
  );
  L.push(
    "- Open-loop load at a constant arrival rate; latency counts from each request's scheduled send time (no coordinated omission); percentiles are exact. The highest sustained rate comes from a step search (a failed step is repeated once, so a burst of foreign load is not taken for saturation); the ladder is placed by a short closed-loop probe.",
  );
  L.push(
    '- Baselines run in the same run, interleaved with the measured scenario (the order of the three flows rotates between repetitions): the bare Koa handler and the direct SQL transaction are one extra Node process (`bench/bare-koa.ts`); the trivial workflow runs on its own worker process on the same dev server and is driven by the Temporal client in the bench process.',
  );
  L.push(
    '- Orders: one unit of one of 100 products, round-robin over 20 customers, each request with a fresh `Idempotency-Key`, default payment method (succeeds).',
  );
  L.push('');
  return L.join('\n');
}

if (require.main === module) {
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(process.argv[2], 'utf8')) as R));
}
