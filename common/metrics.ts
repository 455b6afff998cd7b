// Every Prometheus metric the shop exports, defined once. The dashboards and alert rules in
// ops/ name these; a test checks each panel query against this file's registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const byRegistry = new WeakMap<Registry, ReturnType<typeof define>>();

/** Age of the oldest integration event this process has not had confirmed (ms; see setUnconfirmedEventsSource). */
export type UnconfirmedEventsSource = () => number;
const unconfirmedEventsSources = new WeakMap<Registry, UnconfirmedEventsSource>();

/** Counts of order rows by status, read from the order read model (see setOrderStatusSource). */
export type OrderStatusSource = () => Promise<Record<string, number>>;
const orderStatusSources = new WeakMap<Registry, OrderStatusSource>();

function define(registry: Registry) {
  const registers = [registry];
  return {
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Gateway request latency by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    orders: new Counter({
      name: 'shop_orders_total',
      help: 'Orders by outcome (placed, rejected, paid, failed, cancelled, shipped)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    payments: new Counter({
      name: 'shop_payments_total',
      help: 'Payment provider calls by kind (charge, refund) and result',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    cache: new Counter({
      name: 'shop_cache_requests_total',
      help: 'Read-path cache lookups by result (hit, miss, stale, error)',
      labelNames: ['result'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'shop_rate_limit_rejections_total',
      help: 'Requests rejected with 429 by limiter',
      labelNames: ['limiter'] as const,
      registers,
    }),
    emails: new Counter({
      name: 'shop_emails_total',
      help: 'E-mails by template and outcome (sent, failed)',
      labelNames: ['template', 'outcome'] as const,
      registers,
    }),
    eventPublishLag: new Histogram({
      name: 'shop_event_publish_lag_seconds',
      help: 'Integration events: time from the state change to the broker confirm, per event confirmed in this process',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 1800, 3600],
      registers,
    }),
    // Read at scrape time from the process's in-flight publishes (aggregate replicas with max).
    eventsUnconfirmedAge: new Gauge({
      name: 'shop_event_oldest_unconfirmed_seconds',
      help: 'Integration events: age of the oldest state change this process is publishing and the broker has not confirmed (0: none)',
      registers,
      collect() {
        const source = unconfirmedEventsSources.get(registry);
        this.set(source ? source() / 1000 : 0);
      },
    }),
    webhookAttempts: new Counter({
      name: 'shop_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (DELIVERED, GONE, FAILED, ENDPOINT_OFF)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    // A gauge read at scrape time from the orders table, exported by the process that set a
    // source (the orders worker pool). Every replica reports the same table: aggregate with max.
    ordersInStatus: new Gauge({
      name: 'shop_orders_in_status',
      help: 'Orders currently in each status, from the order read model (aggregate replicas with max)',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const source = orderStatusSources.get(registry);
        if (!source) return;
        this.reset();
        try {
          for (const [status, count] of Object.entries(await source())) this.set({ status }, count);
        } catch {
          // Database unavailable: no samples this scrape (absent, not a stale value or a failed scrape).
        }
      },
    }),
  };
}

/** The shop's business and HTTP metrics on a registry (defined once per registry). */
export function businessMetrics(registry: Registry) {
  let m = byRegistry.get(registry);
  if (!m) {
    m = define(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

export type BusinessMetrics = ReturnType<typeof businessMetrics>;

/** Makes this registry export shop_event_oldest_unconfirmed_seconds from `source` (ms). */
export function setUnconfirmedEventsSource(registry: Registry, source: UnconfirmedEventsSource): void {
  businessMetrics(registry);
  unconfirmedEventsSources.set(registry, source);
}

/**
 * Makes this registry export shop_orders_in_status from `source`, cached for `ttlMs` so that
 * frequent or concurrent scrapes cost one GROUP BY per interval.
 */
export function setOrderStatusSource(registry: Registry, source: OrderStatusSource, ttlMs = 30_000): void {
  businessMetrics(registry);
  let cached: { at: number; value: Promise<Record<string, number>> } | undefined;
  orderStatusSources.set(registry, () => {
    const now = Date.now();
    if (!cached || now - cached.at >= ttlMs) {
      const value = source();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined; // retry on the next scrape
      });
    }
    return cached.value;
  });
}
