// The sandbox payment provider: behaves like Stripe test mode and keeps its ledger in the
// payments table. The unique idempotency key is the whole guarantee: whatever retries, crashes
// or races happen, one key holds one row, and a repeated key returns that row's answer.
//
// Test cards (PAYMENT_METHODS): pm_card_visa succeeds; pm_card_chargeDeclined is declined;
// pm_card_flaky fails transiently twice, then captures but "loses" the response once, then
// answers from the ledger; pm_card_slow captures at once but answers only after a delay;
// pm_card_unavailable fails transiently forever (a provider outage). Unknown methods decline.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { PaymentEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import { inTransaction } from '../../db/transaction';
import { PAYMENT_METHODS } from '../../workflows/orders/contract';
import {
  type ChargeRequest,
  type ChargeResponse,
  type PaymentProvider,
  PaymentProviderError,
  type RefundRequest,
  type RefundResponse,
} from './payment-provider';

export interface SandboxOptions {
  /** How long pm_card_slow takes to answer after capturing (default 5 s). */
  slowResponseMs?: number;
  /** How many times pm_card_flaky fails before capturing (default 2). */
  flakyFailuresBeforeCapture?: number;
}

const KNOWN_METHODS = new Set<string>(Object.values(PAYMENT_METHODS));

const newId = (prefix: 'ch' | 're' | 'vo') => `${prefix}_sandbox_${randomBytes(12).toString('hex')}`;

function answerOf(row: PaymentEntity, replayed: boolean): ChargeResponse {
  if (row.outcome === 'succeeded') return { status: 'succeeded', chargeId: row.id, replayed };
  if (row.outcome === 'declined')
    return { status: 'declined', declineCode: row.declineCode ?? 'card_declined', replayed };
  return { status: 'cancelled', replayed };
}

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  /** Calls per idempotency key for pm_card_flaky (per process, like a flaky network path). */
  private readonly flakyCalls = new Map<string, number>();
  private readonly slowResponseMs: number;
  private readonly flakyFailures: number;

  constructor(
    private readonly dataSource: DataSource,
    opts: SandboxOptions = {},
  ) {
    this.slowResponseMs = opts.slowResponseMs ?? 5000;
    this.flakyFailures = opts.flakyFailuresBeforeCapture ?? 2;
  }

  private payments() {
    return this.dataSource.getRepository(PaymentEntity);
  }

  async charge(req: ChargeRequest, opts: { signal?: AbortSignal } = {}): Promise<ChargeResponse> {
    let flakyCall = 0;
    let decided: { row: PaymentEntity; replayed: boolean };
    try {
      // One transaction per decision (on SQLite this also queues it behind a refund in progress,
      // which shares the one connection).
      decided = await inTransaction(this.dataSource, async (em: EntityManager) => {
        const repo = em.getRepository(PaymentEntity);
        const first = await repo.findOneBy({ idempotencyKey: req.idempotencyKey });
        if (first) return { row: first, replayed: true };

        if (req.paymentMethod === PAYMENT_METHODS.unavailable)
          throw new PaymentProviderError('sandbox: payment provider unavailable (503)');
        if (req.paymentMethod === PAYMENT_METHODS.flaky) {
          flakyCall = (this.flakyCalls.get(req.idempotencyKey) ?? 0) + 1;
          this.flakyCalls.set(req.idempotencyKey, flakyCall);
          if (flakyCall <= this.flakyFailures)
            throw new PaymentProviderError(`sandbox: transient failure ${flakyCall} before capture (503)`);
        }
        const declined = req.paymentMethod === PAYMENT_METHODS.declined || !KNOWN_METHODS.has(req.paymentMethod);
        const row: PaymentEntity = Object.assign(new PaymentEntity(), {
          id: newId('ch'),
          idempotencyKey: req.idempotencyKey,
          orderId: req.orderId,
          kind: 'charge',
          outcome: declined ? 'declined' : 'succeeded',
          amountCents: req.amountCents,
          currency: req.currency,
          paymentMethod: req.paymentMethod,
          declineCode: declined
            ? KNOWN_METHODS.has(req.paymentMethod)
              ? 'card_declined'
              : 'invalid_payment_method'
            : null,
          createdAt: new Date(),
        });
        await repo.insert(row);
        return { row, replayed: false };
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent request with the same key (or a refund closing it) got there first.
      decided = { row: await this.payments().findOneByOrFail({ idempotencyKey: req.idempotencyKey }), replayed: true };
    }
    if (decided.replayed) {
      this.flakyCalls.delete(req.idempotencyKey);
      return answerOf(decided.row, true);
    }

    // Captured and committed. What follows only delays or loses the answer.
    if (req.paymentMethod === PAYMENT_METHODS.flaky && flakyCall === this.flakyFailures + 1) {
      throw new PaymentProviderError('sandbox: connection reset after capture (the response was lost)');
    }
    if (req.paymentMethod === PAYMENT_METHODS.slow)
      await sleep(this.slowResponseMs, undefined, { signal: opts.signal });
    return answerOf(decided.row, false);
  }

  async refund(req: RefundRequest): Promise<RefundResponse> {
    return inTransaction(this.dataSource, async (em: EntityManager) => {
      const repo = em.getRepository(PaymentEntity);
      // Serialise with a charge racing for the same key (the row lock on MySQL; SQLite has one writer).
      const lock =
        this.dataSource.options.type === 'better-sqlite3' ? {} : { lock: { mode: 'pessimistic_write' as const } };
      const charge = await repo.findOne({ where: { idempotencyKey: req.chargeIdempotencyKey }, ...lock });
      if (!charge) {
        // Nothing captured: close the key. A concurrent capture makes this insert fail (unique
        // key), the transaction roll back and the caller retry, which then refunds that capture.
        await repo.insert({
          id: newId('vo'),
          idempotencyKey: req.chargeIdempotencyKey,
          orderId: req.orderId,
          kind: 'charge',
          outcome: 'cancelled',
          amountCents: 0,
          currency: req.currency,
          paymentMethod: 'none',
          declineCode: null,
          createdAt: new Date(),
        });
        return { status: 'nothing-captured' };
      }
      if (charge.outcome !== 'succeeded') return { status: 'nothing-captured' };

      const earlier = await repo.findOneBy({ idempotencyKey: req.idempotencyKey });
      if (earlier)
        return {
          status: 'refunded',
          refundId: earlier.id,
          chargeId: charge.id,
          amountCents: earlier.amountCents,
          replayed: true,
        };
      const refundId = newId('re');
      await repo.insert({
        id: refundId,
        idempotencyKey: req.idempotencyKey,
        orderId: req.orderId,
        kind: 'refund',
        outcome: 'succeeded',
        amountCents: charge.amountCents,
        currency: charge.currency,
        paymentMethod: charge.paymentMethod,
        declineCode: null,
        createdAt: new Date(),
      });
      return { status: 'refunded', refundId, chargeId: charge.id, amountCents: charge.amountCents, replayed: false };
    });
  }
}
