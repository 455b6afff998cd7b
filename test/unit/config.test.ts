import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseConfig, resolveJwtSecret } from '../../common/config';

describe('config', () => {
  it('applies the documented embedded defaults with nothing set', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      RATE_LIMIT_MAX: 100,
      RATE_LIMIT_WINDOW_MS: 60000,
      DATA_DIR: '.data',
      LOG_LEVEL: 'info',
      TEMPORAL_NAMESPACE: 'default',
    });
    expect(c.MYSQL_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.SMTP_URL).toBeUndefined();
    expect(c.MYSQL_REPLICA_URLS).toEqual([]);
  });

  it('lists every bad or missing variable at once', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        PORT: 'eighty',
        MYSQL_URL: 'postgres://x',
        REDIS_URL: 'localhost:6379',
        NODE_ENV: 'production',
        LOG_LEVEL: 'loud',
        ADMIN_EMAIL: 'admin@example.test',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const joined = error!.problems.join('\n');
    for (const name of ['PORT', 'MYSQL_URL', 'REDIS_URL', 'LOG_LEVEL', 'ADMIN_PASSWORD'])
      expect(joined).toContain(name);
    expect(error!.message).toMatch(/^Invalid configuration:/);
  });

  it('needs the JWT key only where tokens are signed: a production worker config parses without one, the gateway refuses to start', () => {
    const worker = parseConfig({ NODE_ENV: 'production' });
    expect(() => resolveJwtSecret(worker)).toThrow(/JWT_SECRET is required when NODE_ENV=production/);
    const secret = 'k'.repeat(40);
    expect(resolveJwtSecret(parseConfig({ NODE_ENV: 'production', JWT_SECRET: secret }))).toBe(secret);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jwt-'));
    writeFileSync(path.join(dir, 'jwt-secret'), `${secret}\n`);
    expect(
      resolveJwtSecret(parseConfig({ NODE_ENV: 'production', JWT_SECRET_FILE: path.join(dir, 'jwt-secret') })),
    ).toBe(secret);
  });

  it('rejects a JWT secret shorter than 32 bytes and replicas without a primary', () => {
    expect(() => parseConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(() => parseConfig({ MYSQL_REPLICA_URLS: 'mysql://r1/db' })).toThrow(/MYSQL_REPLICA_URLS needs MYSQL_URL/);
  });

  it('webhooks: the Standard Webhooks schedule and a refused private target by default; bad schedules refused', () => {
    const c = parseConfig({});
    expect(c.WEBHOOK_RETRY_DELAYS_MS).toEqual([5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000]);
    expect(c.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(c.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(
      parseConfig({ WEBHOOK_RETRY_DELAYS_MS: ' 100, 200 ,300', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }),
    ).toMatchObject({ WEBHOOK_RETRY_DELAYS_MS: [100, 200, 300], WEBHOOK_ALLOW_PRIVATE_TARGETS: true });
    for (const bad of ['', 'soon', '100,-5', '1.5', Array(21).fill('1').join(',')])
      expect(() => parseConfig({ WEBHOOK_RETRY_DELAYS_MS: bad })).toThrow(/WEBHOOK_RETRY_DELAYS_MS/);
    expect(() => parseConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_TARGETS/);
  });

  it('parses replica lists and CORS origins', () => {
    const c = parseConfig({
      MYSQL_URL: 'mysql://p/db',
      MYSQL_REPLICA_URLS: 'mysql://r1/db, mysql://r2/db',
      CORS_ORIGINS: 'https://a.example,https://b.example',
    });
    expect(c.MYSQL_REPLICA_URLS).toEqual(['mysql://r1/db', 'mysql://r2/db']);
    expect(c.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });
});

it('refuses the sandbox payment behaviours in production unless told otherwise', async () => {
  const { refusesSandboxMethod } = await import('../../api/orders/orders.input');
  const cfg = (env: Record<string, string>) => parseConfig({ JWT_SECRET: 'x'.repeat(40), ...env });
  expect(refusesSandboxMethod(cfg({ NODE_ENV: 'production' }), 'pm_card_slow')).toBe(true);
  expect(refusesSandboxMethod(cfg({ NODE_ENV: 'production' }), 'pm_card_visa')).toBe(false);
  expect(refusesSandboxMethod(cfg({ NODE_ENV: 'development' }), 'pm_card_slow')).toBe(false);
  expect(
    refusesSandboxMethod(cfg({ NODE_ENV: 'production', PAYMENT_SANDBOX_BEHAVIOURS: 'allow' }), 'pm_card_flaky'),
  ).toBe(false);
  expect(refusesSandboxMethod(cfg({ PAYMENT_SANDBOX_BEHAVIOURS: 'refuse' }), 'pm_card_unavailable')).toBe(true);
});
