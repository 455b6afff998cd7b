// The payment-provider port: what the orders domain needs from a payment processor, shaped
// after Stripe (idempotency keys, test cards). The sandbox provider implements it against the
// payments table; a real adapter (Stripe PaymentIntents) would implement the same two calls.
import type { ChargeInput, RefundInput } from '../../workflows/orders/contract';

/** The chargePayment activity's input with its idempotency key. */
export interface ChargeRequest extends ChargeInput {
  /** `<orderId>:charge`: every attempt for one order sends the same key. */
  idempotencyKey: string;
}

/** `replayed`: the answer was stored for an earlier request with the same key. */
export type ChargeResponse =
  | { status: 'succeeded'; chargeId: string; replayed: boolean }
  | { status: 'declined'; declineCode: string; replayed: boolean }
  /** The key was closed by a refund call before anything was captured under it. */
  | { status: 'cancelled'; replayed: boolean };

/** A refund in full of what was captured: the refundPayment activity's input without its amount. */
export interface RefundRequest extends Omit<RefundInput, 'amountCents'> {
  /** `<orderId>:refund`. */
  idempotencyKey: string;
  /** The key the charge was (or might have been) made with. */
  chargeIdempotencyKey: string;
}

export type RefundResponse =
  | { status: 'refunded'; refundId: string; chargeId: string; amountCents: number; replayed: boolean }
  /** Nothing was captured under the charge key; the key is closed, so nothing ever will be. */
  | { status: 'nothing-captured' };

/** A failure worth retrying (network error, 5xx, rate limit): the provider made no decision. */
export class PaymentProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

export interface PaymentProvider {
  readonly name: string;
  /**
   * Charges once per idempotency key: a repeated key returns the first answer, a decline
   * included. Throws PaymentProviderError for transient failures. `signal` aborts only the
   * wait for an answer; the provider may still have captured (a retry with the key tells).
   */
  charge(req: ChargeRequest, opts?: { signal?: AbortSignal }): Promise<ChargeResponse>;
  /**
   * Refunds in full what was captured under `chargeIdempotencyKey`, once per refund key. When
   * nothing was captured, closes the charge key instead, so that an attempt still in flight (or
   * a retry) can never capture afterwards (Stripe: cancel the PaymentIntent).
   */
  refund(req: RefundRequest): Promise<RefundResponse>;
}

export const chargeKey = (orderId: string): string => `${orderId}:charge`;
export const refundKey = (orderId: string): string => `${orderId}:refund`;
