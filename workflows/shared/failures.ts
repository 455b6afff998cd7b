// Failure types carried by ApplicationFailure.type across the workflow sandbox and process
// boundaries (never instanceof). Public API: the gateway maps each to an HTTP status and a
// stable problem+json code in api/problem.ts.
import { ApplicationFailure } from '@temporalio/common';

export const FailureType = {
  EmailTaken: 'EmailTaken',
  SkuTaken: 'SkuTaken',
  ProductNotFound: 'ProductNotFound',
  UnknownProduct: 'UnknownProduct',
  OutOfStock: 'OutOfStock',
  PaymentDeclined: 'PaymentDeclined',
  OrderNotCancellable: 'OrderNotCancellable',
  InvalidTransition: 'InvalidTransition',
  IdempotencyKeyReused: 'IdempotencyKeyReused',
  ValidationFailed: 'ValidationFailed',
  UserNotFound: 'UserNotFound',
  /** A cart checkout's order started after its placeBy: the cart may have let the checkout go. */
  CheckoutExpired: 'CheckoutExpired',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * The first ApplicationFailure in an error's cause chain (activity failure → workflow failure →
 * client error), for workflow and Node code alike.
 */
export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur; depth++) {
    if (cur instanceof ApplicationFailure) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The ApplicationFailure type somewhere in the cause chain, if any. */
export const failureTypeOf = (err: unknown): string | undefined => applicationFailureOf(err)?.type ?? undefined;
