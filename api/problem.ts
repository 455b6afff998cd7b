// RFC 9457 problem details: the only error shape the gateway answers with. `code` is the
// stable, machine-readable part of the contract.
import { FailureType } from '../workflows/shared/failures';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  toProblem(): Problem {
    return {
      type: `https://temporal-shop.dev/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...this.extra,
    };
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(400, 'VALIDATION_FAILED', 'Invalid request', detail, extra);
export const unauthorized = (detail = 'A valid bearer token is required') =>
  new ProblemError(
    401,
    'UNAUTHORIZED',
    'Unauthorized',
    detail,
    {},
    { 'WWW-Authenticate': 'Bearer realm="temporal-shop"' },
  );
export const forbidden = (detail = 'You may not access this resource') =>
  new ProblemError(403, 'FORBIDDEN', 'Forbidden', detail);
export const notFound = (what: string) => new ProblemError(404, 'NOT_FOUND', 'Not found', `${what} was not found`);

/** Business failures raised by workflows/activities (ApplicationFailure.type) → HTTP. */
const failureTable: Record<FailureType, [status: number, code: string, title: string]> = {
  [FailureType.EmailTaken]: [409, 'EMAIL_TAKEN', 'E-mail already registered'],
  [FailureType.SkuTaken]: [409, 'SKU_TAKEN', 'SKU already in use'],
  [FailureType.ProductNotFound]: [404, 'NOT_FOUND', 'Not found'],
  [FailureType.UnknownProduct]: [422, 'UNKNOWN_PRODUCT', 'Unknown product'],
  [FailureType.OutOfStock]: [409, 'OUT_OF_STOCK', 'Out of stock'],
  [FailureType.PaymentDeclined]: [402, 'PAYMENT_DECLINED', 'Payment declined'],
  [FailureType.OrderNotCancellable]: [409, 'ORDER_NOT_CANCELLABLE', 'Order cannot be cancelled'],
  [FailureType.InvalidTransition]: [409, 'INVALID_TRANSITION', 'Invalid order transition'],
  [FailureType.IdempotencyKeyReused]: [422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused'],
  [FailureType.ValidationFailed]: [400, 'VALIDATION_FAILED', 'Invalid request'],
  [FailureType.UserNotFound]: [404, 'NOT_FOUND', 'Not found'],
  [FailureType.CheckoutExpired]: [409, 'CHECKOUT_EXPIRED', 'Checkout expired'],
};

export function problemForFailure(
  type: string | undefined | null,
  message: string,
  details?: unknown,
): ProblemError | undefined {
  const row = type ? failureTable[type as FailureType] : undefined;
  if (!row) return undefined;
  const extra = details && typeof details === 'object' ? { details } : {};
  return new ProblemError(row[0], row[1], row[2], message, extra);
}
