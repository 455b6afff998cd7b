// The orders activities and the sandbox payment provider on the embedded SQLite driver (the
// `npm start` default), run in Temporal's mock activity context: idempotency per key, the
// first answer replayed, the charge key closed by a refund, cancellation of a slow answer.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createOrderActivities } from '../../activities/orders/order.activities';
import { decodeCursor, findOrder, listOrders } from '../../api/orders/orders.queries';
import { SandboxPaymentProvider } from '../../activities/orders/sandbox-payment-provider';
import { parseConfig } from '../../common/config';
import { createDataSource, migrate } from '../../db/data-source';
import { PaymentEntity } from '../../db/entities';

let ds: DataSource;
let provider: SandboxPaymentProvider;
let acts: ReturnType<typeof createOrderActivities>;

beforeAll(async () => {
  ds = createDataSource(parseConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'orders-unit-')) }));
  await migrate(ds);
  provider = new SandboxPaymentProvider(ds, { slowResponseMs: 10_000 });
  acts = createOrderActivities({ dataSource: ds, provider });
});
afterAll(async () => {
  await ds?.destroy();
});

const env = () => new MockActivityEnvironment({ attempt: 1 });
/** Runs an activity in a mock activity context (heartbeats, cancellation), typed. */
const inContext = <A, R>(fn: (arg: A) => Promise<R>, arg: A, e = env()): Promise<R> =>
  e.run(fn as (a: A) => Promise<R>, arg) as Promise<R>;
const charge = (orderId: string, paymentMethod: string, e = env()) =>
  inContext(acts.chargePayment, { orderId, amountCents: 1234, currency: 'USD', paymentMethod }, e);
const refund = (orderId: string) => inContext(acts.refundPayment, { orderId, amountCents: 1234, currency: 'USD' });
const rows = (orderId: string) =>
  ds.getRepository(PaymentEntity).find({ where: { orderId }, order: { createdAt: 'ASC', kind: 'ASC' } });
const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
};

describe('charges', () => {
  it('charges once per order, whatever the number of calls', async () => {
    const orderId = randomUUID();
    const first = await charge(orderId, 'pm_card_visa');
    expect(first.chargeId).toMatch(/^ch_sandbox_/);
    expect(await charge(orderId, 'pm_card_visa')).toEqual(first);
    expect((await rows(orderId)).map((r) => [r.kind, r.outcome, r.idempotencyKey, r.amountCents])).toEqual([
      ['charge', 'succeeded', `${orderId}:charge`, 1234],
    ]);
  });

  it('declines as a non-retryable PaymentDeclined, and replays the decline', async () => {
    const orderId = randomUUID();
    for (let i = 0; i < 2; i++) {
      const f = await failureOf(charge(orderId, 'pm_card_chargeDeclined'));
      expect([f.type, f.nonRetryable, f.details]).toEqual([
        'PaymentDeclined',
        true,
        [{ declineCode: 'card_declined' }],
      ]);
    }
    // Even a call with a good card: the key's first answer stands.
    expect((await failureOf(charge(orderId, 'pm_card_visa'))).type).toBe('PaymentDeclined');
    expect(await rows(orderId)).toHaveLength(1);
  });

  it('flaky card: two failures before capture, one lost answer after it, then the stored answer', async () => {
    const orderId = randomUUID();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const f = await failureOf(charge(orderId, 'pm_card_flaky'));
      expect([f.type, f.nonRetryable]).toEqual(['PaymentProviderUnavailable', false]);
      expect(await rows(orderId)).toHaveLength(attempt < 3 ? 0 : 1);
    }
    const ok = await charge(orderId, 'pm_card_flaky');
    expect((await rows(orderId)).map((r) => [r.id, r.outcome])).toEqual([[ok.chargeId, 'succeeded']]);
  });

  it('an outage (pm_card_unavailable) is retryable and stores nothing', async () => {
    const orderId = randomUUID();
    expect((await failureOf(charge(orderId, 'pm_card_unavailable'))).nonRetryable).toBe(false);
    expect(await rows(orderId)).toEqual([]);
  });

  it('a cancelled slow charge stops waiting; the capture stands and a retry gets it', async () => {
    const orderId = randomUUID();
    const e = env();
    const pending = charge(orderId, 'pm_card_slow', e);
    while ((await rows(orderId)).length === 0) await new Promise((r) => setTimeout(r, 10));
    e.cancel();
    // AbortError: what the worker reports as the activity's cancellation (the mock passes it through).
    const err = await pending.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err instanceof CancelledFailure || err?.name === 'AbortError').toBe(true);
    const [row] = await rows(orderId);
    expect(await charge(orderId, 'pm_card_slow')).toEqual({ chargeId: row.id });
  });
});

describe('refunds', () => {
  it('refunds a capture once', async () => {
    const orderId = randomUUID();
    const { chargeId } = await charge(orderId, 'pm_card_visa');
    const first = await refund(orderId);
    expect(first).toEqual({ outcome: 'refunded', chargeId, refundId: expect.stringMatching(/^re_sandbox_/) });
    expect(await refund(orderId)).toEqual(first);
    expect((await rows(orderId)).map((r) => [r.kind, r.outcome, r.amountCents])).toEqual([
      ['charge', 'succeeded', 1234],
      ['refund', 'succeeded', 1234],
    ]);
  });

  it('closes the charge key when nothing was captured, so a late attempt can never capture', async () => {
    const orderId = randomUUID();
    expect(await refund(orderId)).toEqual({ outcome: 'nothing-captured', chargeId: null, refundId: null });
    const late = await failureOf(charge(orderId, 'pm_card_visa'));
    expect([late.type, late.nonRetryable]).toEqual(['PaymentCancelled', true]);
    expect(await refund(orderId)).toEqual({ outcome: 'nothing-captured', chargeId: null, refundId: null });
    expect((await rows(orderId)).map((r) => [r.kind, r.outcome])).toEqual([['charge', 'cancelled']]);
  });

  it('never refunds a declined charge', async () => {
    const orderId = randomUUID();
    await failureOf(charge(orderId, 'pm_card_chargeDeclined'));
    expect((await refund(orderId)).outcome).toBe('nothing-captured');
    expect(await rows(orderId)).toHaveLength(1);
  });

  it('settles a charge racing a refund: either refunded, or closed before capture; never charged and unrefunded', async () => {
    for (let i = 0; i < 20; i++) {
      const orderId = randomUUID();
      const [c, r] = await Promise.allSettled([
        charge(orderId, 'pm_card_visa'),
        refund(orderId).catch(() => refund(orderId)),
      ]);
      const captured = (await rows(orderId)).filter((x) => x.kind === 'charge' && x.outcome === 'succeeded');
      const refunds = (await rows(orderId)).filter((x) => x.kind === 'refund');
      if (captured.length) {
        // The refund ran before the capture: the workflow refunds again after the charge settles.
        const settled = r.status === 'fulfilled' && r.value.outcome === 'refunded' ? r.value : await refund(orderId);
        expect(settled.outcome).toBe('refunded');
        expect(c.status).toBe('fulfilled');
      } else {
        expect(c.status).toBe('rejected');
        expect(refunds).toHaveLength(0);
      }
      expect(captured.length).toBeLessThanOrEqual(1);
    }
  });
});

describe('the order row', () => {
  const lines = [{ productId: randomUUID(), quantity: 2, name: 'Pot', unitPriceCents: 500 }];

  it('opens once (a retry finds it) and moves only from the expected status', async () => {
    const orderId = randomUUID();
    const userId = randomUUID();
    const input = {
      orderId,
      userId,
      lines,
      currency: 'USD',
      paymentMethod: 'pm_card_visa',
      requestHash: null,
      createdAt: new Date().toISOString(),
    };
    const opened = await inContext(acts.openOrder, input);
    expect(opened).toMatchObject({
      id: orderId,
      userId,
      status: 'PENDING',
      totalCents: 1000,
      payment: { status: 'PENDING' },
      updatedAt: opened.createdAt,
    });
    expect(await inContext(acts.openOrder, input)).toEqual(opened);

    const at = new Date().toISOString();
    const move = {
      orderId,
      from: 'PENDING' as const,
      to: 'PAID' as const,
      payment: { status: 'SUCCEEDED' as const, chargeId: 'ch_x' },
      at,
    };
    const paid = await inContext(acts.recordTransition, move);
    expect(paid).toMatchObject({ status: 'PAID', payment: { status: 'SUCCEEDED', chargeId: 'ch_x' }, updatedAt: at });
    expect(await inContext(acts.recordTransition, move)).toEqual(paid); // a retry
    // A status the row cannot reach from where it is stays refused.
    const stray = await failureOf(
      inContext(acts.recordTransition, { ...move, from: 'PENDING' as const, to: 'FAILED' as const }),
    );
    expect([stray.type, stray.nonRetryable]).toEqual(['InvalidTransition', true]);
  });

  it('cancels a row that is PAID while its run believes it PENDING (the PAID write committed, its result was lost)', async () => {
    // The run's worker died after a local PAID write committed but before its result reached the
    // history; the replacement run took the cancel first and compensates from PENDING. Refusing
    // would fail the run with the refund done, the stock released and the row still PAID.
    const orderId = randomUUID();
    await inContext(acts.openOrder, {
      orderId,
      userId: randomUUID(),
      lines: [{ productId: randomUUID(), quantity: 1, name: 'x', unitPriceCents: 100 }],
      currency: 'USD',
      paymentMethod: 'pm_card_visa',
      requestHash: null,
      createdAt: new Date().toISOString(),
    });
    const at = new Date().toISOString();
    await inContext(acts.recordTransition, {
      orderId,
      from: 'PENDING' as const,
      to: 'PAID' as const,
      payment: { status: 'SUCCEEDED' as const, chargeId: 'ch_lost' },
      at,
    });
    const cancelled = await inContext(acts.recordTransition, {
      orderId,
      from: 'PENDING' as const,
      to: 'CANCELLED' as const,
      payment: { status: 'REFUNDED' as const, chargeId: 'ch_lost', refundId: 're_1' },
      at,
    });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', payment: { status: 'REFUNDED', refundId: 're_1' } });
    // A terminal row never moves again.
    const late = await failureOf(
      inContext(acts.recordTransition, {
        orderId,
        from: 'PAID' as const,
        to: 'SHIPPED' as const,
        payment: { status: 'SUCCEEDED' as const, chargeId: 'ch_lost' },
        at,
      }),
    );
    expect(late.type).toBe('InvalidTransition');
  });
});

describe('the read path on SQLite', () => {
  it('pages newest first by (createdAt, id) with an opaque cursor, with ties broken by id', async () => {
    const userId = randomUUID();
    const t0 = Date.parse('2030-01-01T00:00:00.000Z');
    // Two orders share a millisecond: the id decides, and no page loses or repeats one.
    const stamps = [t0, t0 + 1, t0 + 1, t0 + 2, t0 + 3];
    const ids: string[] = [];
    for (const ms of stamps) {
      const orderId = randomUUID();
      ids.push(orderId);
      await inContext(acts.openOrder, {
        orderId,
        userId,
        lines: [{ productId: randomUUID(), quantity: 1, name: 'x', unitPriceCents: 100 }],
        currency: 'USD',
        paymentMethod: 'pm_card_visa',
        requestHash: null,
        createdAt: new Date(ms).toISOString(),
      });
    }
    const expected = ids
      .map((id, i) => ({ id, ms: stamps[i] }))
      .sort((a, b) => b.ms - a.ms || (b.id < a.id ? -1 : 1))
      .map((o) => o.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOrders(ds, { limit: 2, userId, cursor });
      expect(page.rows.length).toBeLessThanOrEqual(2);
      expect(page.rows.every((o) => o.items.length === 1)).toBe(true);
      seen.push(...page.rows.map((o) => o.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect((await listOrders(ds, { limit: 10, userId, status: 'PAID' })).rows).toEqual([]);
    expect((await findOrder(ds, ids[0]))?.items).toHaveLength(1);
    expect(() => decodeCursor('bm90IGEgY3Vyc29y')).toThrow(/cursor/);
  });
});
