// Failure types carried by ApplicationFailure.type across the workflow sandbox and process
// boundaries (never instanceof). Public API: the gateway maps each to an HTTP status and a
// stable problem+json code in api/problem.ts.
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
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];
