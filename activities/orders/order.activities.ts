// Orders domain activities, run on the `orders` task queue: the order row (the read model)
// and payments through the provider port. Each one is safe to run twice: the order insert is
// keyed by the order ID, transitions are conditional on the previous status, and the provider
// deduplicates by idempotency key.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { BusinessMetrics } from '../../common/metrics';
import { OrderEntity, OrderItemEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import { inTransaction } from '../../db/transaction';
import { acceptedOrderView, toOrderView } from '../../db/views';
import {
  type ChargeInput,
  type ChargeResult,
  type OpenOrderInput,
  type OrderEmailInput,
  OrderFailureType,
  type OrderTransition,
  type OrderView,
  type RefundInput,
  type RefundResult,
} from '../../workflows/orders/contract';
import { STATUS_SOURCES } from '../../workflows/orders/order-state';
import { FailureType } from '../../workflows/shared/failures';
import { startEmailWorkflow } from '../notifications/email-start';
import { chargeKey, type PaymentProvider, PaymentProviderError, refundKey } from './payment-provider';

export interface OrderActivityDeps {
  dataSource: DataSource;
  provider: PaymentProvider;
  metrics?: Pick<BusinessMetrics, 'orders' | 'payments'>;
}

/** The heartbeat cadence of payment calls (the workflow sets a 5 s heartbeat timeout). */
const HEARTBEAT_EVERY_MS = 1000;

/** The order with its items in one joined SELECT (`findOne` with a relation would issue two). */
async function loadOrder(em: EntityManager, orderId: string): Promise<OrderEntity | null> {
  const [row] = await em.getRepository(OrderEntity).find({ where: { id: orderId }, relations: { items: true } });
  return row ?? null;
}

/** A provider failure worth retrying, as the workflow's retry policy knows it. */
const providerUnavailable = (err: PaymentProviderError) =>
  ApplicationFailure.create({
    type: OrderFailureType.PaymentProviderUnavailable,
    message: err.message,
    nonRetryable: false,
  });

export function createOrderActivities({ dataSource, provider, metrics }: OrderActivityDeps) {
  return {
    /** Writes the accepted order (PENDING) with its priced lines; a retry finds it written. */
    async openOrder(input: OpenOrderInput): Promise<OrderView> {
      const totalCents = input.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
      if (!Number.isSafeInteger(totalCents)) {
        throw ApplicationFailure.create({
          type: FailureType.ValidationFailed,
          message: 'Order total out of range',
          nonRetryable: true,
        });
      }
      const createdAt = new Date(input.createdAt);
      const order = Object.assign(new OrderEntity(), {
        id: input.orderId,
        userId: input.userId,
        status: 'PENDING',
        totalCents,
        currency: input.currency,
        paymentMethod: input.paymentMethod,
        paymentStatus: 'PENDING',
        chargeId: null,
        refundId: null,
        failureReason: null,
        requestHash: input.requestHash,
        createdAt,
        updatedAt: createdAt,
      });
      const items = input.lines.map((l) =>
        Object.assign(new OrderItemEntity(), {
          orderId: input.orderId,
          productId: l.productId,
          name: l.name,
          unitPriceCents: l.unitPriceCents,
          quantity: l.quantity,
        }),
      );
      try {
        await inTransaction(dataSource, async (em) => {
          await em.getRepository(OrderEntity).insert({ ...order });
          await em.getRepository(OrderItemEntity).insert(items.map((i) => ({ ...i })));
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Written by an earlier attempt: answer from the row, read on the primary (inside a
        // transaction), never a possibly lagging replica.
        const row = await inTransaction(dataSource, (em) => loadOrder(em, input.orderId));
        if (!row || row.userId !== input.userId) {
          throw ApplicationFailure.create({
            type: FailureType.ValidationFailed,
            message: `Order ${input.orderId} exists for another user`,
            nonRetryable: true,
          });
        }
        return acceptedOrderView(row);
      }
      // Just written: the view is what we wrote (timestamps are stored to the millisecond), so
      // no read-back round trip.
      metrics?.orders.inc({ outcome: 'placed' });
      return acceptedOrderView(Object.assign(order, { items }));
    },

    /**
     * Moves the row from `from` (or a status `to` follows in one step, which the run wrote
     * without learning it) to `to`; a retry after a committed write returns the row.
     */
    async recordTransition(t: OrderTransition): Promise<OrderView> {
      const { row, changed } = await inTransaction(dataSource, async (em) => {
        const res = await em
          .createQueryBuilder()
          .update(OrderEntity)
          .set({
            status: t.to,
            paymentStatus: t.payment?.status ?? null,
            chargeId: t.payment?.chargeId ?? null,
            refundId: t.payment?.refundId ?? null,
            failureReason: t.failureReason ?? null,
            updatedAt: new Date(t.at),
          })
          .where('id = :id AND status IN (:...from)', {
            id: t.orderId,
            from: [...new Set([t.from, ...STATUS_SOURCES[t.to]])],
          })
          .execute();
        return { row: await loadOrder(em, t.orderId), changed: (res.affected ?? 0) > 0 };
      });
      if (!row)
        throw ApplicationFailure.create({
          type: FailureType.InvalidTransition,
          message: `Order ${t.orderId} does not exist`,
          nonRetryable: true,
        });
      if (row.status !== t.to) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidTransition,
          message: `Order ${t.orderId} is ${row.status}, expected ${t.from} → ${t.to}`,
          nonRetryable: true,
        });
      }
      if (changed) metrics?.orders.inc({ outcome: t.to.toLowerCase() });
      return toOrderView(row);
    },

    /**
     * Hands an order e-mail to the notifications pool (its sendEmail workflow, at most once per
     * order and template). Started from here rather than as a child so the order's history stays
     * short; the request ID still travels (worker client interceptor).
     */
    async startOrderEmail(input: OrderEmailInput): Promise<void> {
      await startEmailWorkflow(Context.current().client, input);
    },

    /**
     * Charges the order once (key `<orderId>:charge`). Declines are non-retryable failures;
     * provider hiccups are retryable. Heartbeats so that a crash is noticed within the
     * heartbeat timeout and a cancellation (cancel or payment timeout) reaches the wait.
     */
    async chargePayment(input: ChargeInput): Promise<ChargeResult> {
      const ctx = Context.current();
      ctx.heartbeat();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const res = await provider.charge(
          {
            idempotencyKey: chargeKey(input.orderId),
            orderId: input.orderId,
            amountCents: input.amountCents,
            currency: input.currency,
            paymentMethod: input.paymentMethod,
          },
          { signal: ctx.cancellationSignal },
        );
        metrics?.payments.inc({ kind: 'charge', result: res.replayed ? `${res.status}_replayed` : res.status });
        if (res.status === 'succeeded') return { chargeId: res.chargeId };
        if (res.status === 'declined') {
          throw ApplicationFailure.create({
            type: FailureType.PaymentDeclined,
            message: `The payment was declined (${res.declineCode})`,
            nonRetryable: true,
            details: [{ declineCode: res.declineCode }],
          });
        }
        throw ApplicationFailure.create({
          type: OrderFailureType.PaymentCancelled,
          message: 'The charge was called off before it captured',
          nonRetryable: true,
        });
      } catch (err) {
        if (err instanceof PaymentProviderError) {
          metrics?.payments.inc({ kind: 'charge', result: 'error' });
          ctx.log.warn('payment provider failed; the charge will be retried', {
            orderId: input.orderId,
            attempt: ctx.info.attempt,
            error: err.message,
          });
          throw providerUnavailable(err);
        }
        throw err;
      } finally {
        clearInterval(beat);
      }
    },

    /** Refunds what was captured (key `<orderId>:refund`), or closes the charge key. */
    async refundPayment(input: RefundInput): Promise<RefundResult> {
      try {
        const res = await provider.refund({
          idempotencyKey: refundKey(input.orderId),
          chargeIdempotencyKey: chargeKey(input.orderId),
          orderId: input.orderId,
          currency: input.currency,
        });
        if (res.status === 'nothing-captured') {
          metrics?.payments.inc({ kind: 'refund', result: 'nothing_captured' });
          return { outcome: 'nothing-captured', chargeId: null, refundId: null };
        }
        metrics?.payments.inc({ kind: 'refund', result: res.replayed ? 'succeeded_replayed' : 'succeeded' });
        if (res.amountCents !== input.amountCents) {
          Context.current().log.warn('refunded amount differs from the order total', {
            orderId: input.orderId,
            refunded: res.amountCents,
            total: input.amountCents,
          });
        }
        return { outcome: 'refunded', chargeId: res.chargeId, refundId: res.refundId };
      } catch (err) {
        if (err instanceof PaymentProviderError) {
          metrics?.payments.inc({ kind: 'refund', result: 'error' });
          throw providerUnavailable(err);
        }
        throw err;
      }
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
