// The one configuration schema of every process (gateway, workers, scripts). Parsed once,
// failing fast with every bad or missing variable listed, so a misconfigured pod dies at
// start instead of at its first request. README.md (Configuration) is the user-facing table of it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** An integer that may be left unset (undefined: the library's own default applies). */
const optionalInt = (min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v),
    z.coerce.number().int().min(min).max(max).optional(),
  );

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000, 0, 65535),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  MYSQL_URL: optionalUrl(['mysql', 'mariadb']),
  MYSQL_REPLICA_URLS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((urls) => urls.every((u) => /^(mysql|mariadb):\/\//.test(u)), {
      message: 'must be a comma-separated list of mysql:// URLs',
    }),
  MYSQL_POOL_SIZE: int(10, 1, 1000),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  REDIS_KEY_PREFIX: z.string().default('shop:'),
  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  MAIL_FROM: z.string().default('Temporal Shop <no-reply@shop.local>'),
  /** RabbitMQ for integration events (exchange shop.events); unset → DATA_DIR/events.jsonl. */
  AMQP_URL: optionalUrl(['amqp', 'amqps']),
  /**
   * Webhook targets that resolve to loopback, private, link-local, unique-local or metadata
   * addresses are refused (at registration and again at each delivery) unless this is true.
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * The pauses between a webhook's delivery attempts, in ms, comma-separated: N pauses, N + 1
   * attempts. Default: the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
   */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .default('5000,300000,1800000,7200000,18000000,36000000,36000000')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((parts) => parts.length >= 1 && parts.length <= 20 && parts.every((p) => /^\d{1,9}$/.test(p)), {
      message: 'must be 1 to 20 comma-separated delays in ms (each below 1e9)',
    })
    .transform((parts) => parts.map(Number)),
  /** One webhook attempt gives up on the receiver after this (connect, send, answer). */
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 60_000),
  JWT_SECRET: optionalString,
  JWT_SECRET_FILE: optionalString,
  JWT_ISSUER: z.string().min(1).default('temporal-shop'),
  JWT_AUDIENCE: z.string().min(1).default('temporal-shop-api'),
  JWT_TTL_SECONDS: int(3600, 60, 30 * 24 * 3600),
  ADMIN_EMAIL: optionalString.pipe(z.string().email().optional()),
  ADMIN_PASSWORD: optionalString,
  RATE_LIMIT_MAX: int(100, 1),
  RATE_LIMIT_WINDOW_MS: int(60_000, 1000),
  /**
   * The general limit counts in process and syncs with Redis every this many ms (cluster-wide
   * approximate within a bound: docs/security.md); 0: a Redis round trip per request (exact).
   */
  RATE_LIMIT_SYNC_MS: int(100, 0, 10_000),
  LOGIN_RATE_LIMIT_MAX: int(10, 1),
  LOGIN_RATE_LIMIT_WINDOW_MS: int(15 * 60_000, 1000),
  /** Logins per account per window from all addresses together (a botnet gets no more). */
  LOGIN_ACCOUNT_RATE_LIMIT_MAX: int(30, 1),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * With TRUST_PROXY: how many proxies in front of the gateway append to X-Forwarded-For. The
   * client address is the entry that many hops from the right; entries further left are the
   * client's own writing and never trusted.
   */
  TRUST_PROXY_HOPS: int(1, 1, 10),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'like 100kb')
    .default('100kb'),
  /**
   * The longest the gateway waits for a request body it was promised (Content-Length or chunks):
   * past it the answer is 408 and the connection is closed.
   */
  REQUEST_BODY_TIMEOUT_MS: int(10_000, 100, 120_000),
  /**
   * /readyz answers from one shared dependency check for this long (from its start), so a flood of
   * probes (exempt from the rate limit) costs the backends one round trip each per interval; a
   * dependency that goes down shows within it (plus the check's 2 s timeout). 0: a check per
   * request that finds none in flight.
   */
  READINESS_CACHE_MS: int(1000, 0, 60_000),
  CACHE_TTL_SECONDS: int(300, 1),
  /**
   * `Cache-Control: public, max-age` of anonymous catalog reads: how long a CDN or a browser may
   * reuse a product or a product page without revalidating (the staleness anonymous readers may
   * see after a write). 0: every reuse revalidates (If-None-Match → 304).
   */
  CATALOG_HTTP_MAX_AGE_S: int(5, 0, 86_400),
  /**
   * The longest a write route (register, place, cancel, ship) waits on its workflow: past it the
   * answer is 202 with Location (the work goes on) or 503 with Retry-After (safe to retry).
   */
  ROUTE_DEADLINE_MS: int(30_000, 500, 120_000),
  /** A MySQL query (client side) gives up after this; the caller treats it as an outage. */
  DB_QUERY_TIMEOUT_MS: int(10_000, 100, 600_000),
  /** A PENDING order whose payment has not completed by then is cancelled (and refunded). */
  ORDER_PAYMENT_TIMEOUT_MS: int(15 * 60_000, 1000),
  /**
   * What one customer may hold at once in PENDING orders (placed, not yet paid): each holds its
   * stock until its payment deadline, so without a bound one account could reserve the shop.
   */
  /**
   * The sandbox provider's test behaviours (pm_card_flaky, pm_card_slow, pm_card_unavailable):
   * `auto` accepts them except when NODE_ENV=production.
   */
  PAYMENT_SANDBOX_BEHAVIOURS: z.enum(['auto', 'allow', 'refuse']).default('auto'),
  MAX_OPEN_ORDERS_PER_CUSTOMER: int(20, 1),
  MAX_OPEN_UNITS_PER_CUSTOMER: int(1000, 1),
  /** A non-empty cart untouched this long gets one reminder e-mail (per cart content). */
  CART_REMINDER_AFTER_MS: int(86_400_000, 1000),
  /** A cart untouched this long ends (its workflow completes; the next use starts an empty one). */
  CART_EXPIRY_MS: int(30 * 86_400_000, 1000),
  /** A cart workflow continues as new once its history reaches this many events (bounded history). */
  CART_MAX_HISTORY_EVENTS: int(2000, 20, 40_000),
  /**
   * A cart's checkout under way holds the cart this long at most: past it the cart looks the
   * order up (accepted → its lines leave the cart; never placed → the cart is free again).
   */
  CART_CHECKOUT_PENDING_MS: int(300_000, 1000),
  /**
   * How long past a checkout's deadline the cart waits before it looks the order up: the margin
   * for clock skew between Temporal history hosts (placeOrder refuses a start past the deadline).
   * Lower only in tests.
   */
  CART_CHECKOUT_SETTLE_MARGIN_MS: int(30_000, 0),
  CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
    .default('USD'),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  WORKER_SHUTDOWN_GRACE_MS: int(10_000, 0),
  WORKER_HTTP_PORT: int(9465, 0, 65535),
  TEMPORAL_METRICS_BIND: z.string().default('0.0.0.0:9464'),
  WORKFLOW_BUNDLE_DIR: optionalString,
  /**
   * Workflows kept in memory per worker pool (every pool of the process). Unset: the pool's own
   * setting, else min(250, the SDK's heap-based default); see workers/run-worker.ts.
   */
  WORKER_MAX_CACHED_WORKFLOWS: optionalInt(0, 100_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Rules across variables, checked on the raw values so they report alongside field errors. */
function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => (env[k] ?? '').trim() !== '';
  const bytes = (k: string) => Buffer.byteLength(env[k] ?? '');
  const problems: string[] = [];
  if (set('JWT_SECRET') && bytes('JWT_SECRET') < 32) problems.push('JWT_SECRET must be at least 32 bytes');
  if (set('ADMIN_EMAIL') && !set('ADMIN_PASSWORD')) problems.push('ADMIN_PASSWORD is required when ADMIN_EMAIL is set');
  if (set('ADMIN_PASSWORD') && (bytes('ADMIN_PASSWORD') < 8 || bytes('ADMIN_PASSWORD') > 72))
    problems.push('ADMIN_PASSWORD must be 8 to 72 bytes');
  if (set('MYSQL_REPLICA_URLS') && !set('MYSQL_URL')) problems.push('MYSQL_REPLICA_URLS needs MYSQL_URL (the primary)');
  return problems;
}

/** Parses an environment; throws ConfigError naming every bad variable at once. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`);
  problems.push(...crossFieldProblems(env));
  if (problems.length || !result.success) throw new ConfigError(problems);
  return result.data;
}

let cached: Config | undefined;

/** The process configuration, parsed once from process.env. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Absolute path inside DATA_DIR (created on demand). */
export function dataPath(config: Config, ...parts: string[]): string {
  const dir = path.resolve(config.DATA_DIR);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, ...parts);
}

/**
 * The HMAC key for JWTs: JWT_SECRET, else the file JWT_SECRET_FILE (Kubernetes secret mount),
 * else (development only) a random key generated once into DATA_DIR so tokens survive a
 * restart. Only the gateway signs and verifies tokens, so only the gateway asks for the key:
 * worker pods and the migration job run without it (least privilege).
 */
export function resolveJwtSecret(config: Config): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (!config.JWT_SECRET_FILE && config.NODE_ENV === 'production') {
    throw new ConfigError(['JWT_SECRET is required when NODE_ENV=production (or set JWT_SECRET_FILE)']);
  }
  if (config.JWT_SECRET_FILE) {
    const secret = readFileSync(config.JWT_SECRET_FILE, 'utf8').trim();
    if (Buffer.byteLength(secret) < 32)
      throw new ConfigError([`JWT_SECRET_FILE ${config.JWT_SECRET_FILE} holds fewer than 32 bytes`]);
    return secret;
  }
  const file = dataPath(config, 'jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}
