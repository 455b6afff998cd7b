// The order state machine as pure functions: which transitions exist and which
// requests (cancel, ship) are allowed in which state. No Temporal, no I/O: the placeOrder
// workflow, its update validators and the gateway's read path all decide with this module,
// and test/unit/orders-state.test.ts checks it without a server.
//
//   INTAKE ──ACCEPTED──▶ PENDING ──PAID──▶ PAID ──SHIPPED──▶ SHIPPED
//     │                    │  └──DECLINED──▶ FAILED      │
//     └──REJECTED──▶ REJECTED  └────CANCELLED──▶ CANCELLED ◀┘
//
// INTAKE and REJECTED are phases of the workflow only: a request refused at intake (out of
// stock, unknown product) never becomes an order, so it has no order status.
import { FailureType } from '../shared/failures';
import type { CancelOrderRequest, OrderStatus } from './contract';

export type OrderPhase = 'INTAKE' | 'REJECTED' | OrderStatus;

/** A cancel or ship request that has been accepted and is being carried out. */
export type OrderAction = { kind: 'cancel'; request: CancelOrderRequest } | { kind: 'ship' };

export interface OrderState {
  phase: OrderPhase;
  action: OrderAction | null;
}

export type OrderEvent =
  | { type: 'ACCEPTED' }
  | { type: 'REJECTED' }
  | { type: 'PAID' }
  | { type: 'DECLINED' }
  | { type: 'CANCEL_REQUESTED'; request: CancelOrderRequest }
  | { type: 'SHIP_REQUESTED' }
  | { type: 'CANCELLED' }
  | { type: 'SHIPPED' };

/**
 * Whether a cart checkout's order came too late: its run was started (the Temporal server's
 * clock) after the cart's placeBy, so the cart may already have found no order and let the
 * checkout go. Fails closed: a placeBy that is no date is past.
 */
export function isPastPlaceBy(startedAt: Date, placeBy: string): boolean {
  const deadline = Date.parse(placeBy);
  return !(startedAt.getTime() <= deadline);
}

export const initialOrderState = (): OrderState => ({ phase: 'INTAKE', action: null });

const CLOSED: ReadonlySet<OrderPhase> = new Set<OrderPhase>(['REJECTED', 'SHIPPED', 'CANCELLED', 'FAILED']);

/** True once nothing can happen to the order any more (the workflow may complete). */
export const isClosed = (phase: OrderPhase): boolean => CLOSED.has(phase);

export class InvalidTransitionError extends Error {
  readonly type = FailureType.InvalidTransition;
  constructor(
    readonly state: OrderState,
    readonly event: OrderEvent['type'],
  ) {
    super(
      `Invalid order transition: ${event} in ${state.phase}${state.action ? ` (${state.action.kind} in progress)` : ''}`,
    );
    this.name = 'InvalidTransitionError';
  }
}

/** The next state, or InvalidTransitionError: the workflow never writes an impossible state. */
export function transition(state: OrderState, event: OrderEvent): OrderState {
  const { phase, action } = state;
  const invalid = () => new InvalidTransitionError(state, event.type);
  switch (event.type) {
    case 'ACCEPTED':
      if (phase !== 'INTAKE') throw invalid();
      return { phase: 'PENDING', action };
    case 'REJECTED':
      if (phase !== 'INTAKE') throw invalid();
      return { phase: 'REJECTED', action: null };
    case 'PAID':
      // A cancel accepted while the charge was in flight wins: the order never becomes PAID.
      if (phase !== 'PENDING' || action) throw invalid();
      return { phase: 'PAID', action: null };
    case 'DECLINED':
      if (phase !== 'PENDING' || action) throw invalid();
      return { phase: 'FAILED', action: null };
    case 'CANCEL_REQUESTED':
      if ((phase !== 'PENDING' && phase !== 'PAID') || action) throw invalid();
      return { phase, action: { kind: 'cancel', request: event.request } };
    case 'SHIP_REQUESTED':
      if (phase !== 'PAID' || action) throw invalid();
      return { phase, action: { kind: 'ship' } };
    case 'CANCELLED':
      if ((phase !== 'PENDING' && phase !== 'PAID') || action?.kind !== 'cancel') throw invalid();
      return { phase: 'CANCELLED', action: null };
    case 'SHIPPED':
      if (phase !== 'PAID' || action?.kind !== 'ship') throw invalid();
      return { phase: 'SHIPPED', action: null };
  }
}

/**
 * How a request is answered: `accept` starts it, `join` waits for the identical request already
 * in progress, `unchanged` returns the order as it is (cancelling a cancelled order), `reject`
 * refuses it before anything is written (the update validator throws).
 */
export type Decision =
  | { verdict: 'accept' }
  | { verdict: 'join' }
  | { verdict: 'unchanged' }
  | {
      verdict: 'reject';
      failureType: typeof FailureType.OrderNotCancellable | typeof FailureType.InvalidTransition;
      message: string;
    };

export function decideCancel(state: OrderState): Decision {
  const { phase, action } = state;
  if (phase === 'CANCELLED') return { verdict: 'unchanged' };
  if (phase === 'PENDING' || phase === 'PAID') {
    if (!action) return { verdict: 'accept' };
    if (action.kind === 'cancel') return { verdict: 'join' };
    return {
      verdict: 'reject',
      failureType: FailureType.OrderNotCancellable,
      message: 'The order is being shipped and can no longer be cancelled',
    };
  }
  if (phase === 'INTAKE' || phase === 'REJECTED') {
    return {
      verdict: 'reject',
      failureType: FailureType.OrderNotCancellable,
      message: 'The order has not been placed',
    };
  }
  return {
    verdict: 'reject',
    failureType: FailureType.OrderNotCancellable,
    message: `A ${phase} order cannot be cancelled`,
  };
}

export function decideShip(state: OrderState): Decision {
  const { phase, action } = state;
  // A repeated ship (a client retrying after a lost answer) gets the shipped order, as a
  // repeated cancel gets the cancelled one.
  if (phase === 'SHIPPED') return { verdict: 'unchanged' };
  if (phase === 'PAID') {
    if (!action) return { verdict: 'accept' };
    if (action.kind === 'ship') return { verdict: 'join' };
    return {
      verdict: 'reject',
      failureType: FailureType.InvalidTransition,
      message: 'The order is being cancelled and cannot be shipped',
    };
  }
  return {
    verdict: 'reject',
    failureType: FailureType.InvalidTransition,
    message: `Only PAID orders can be shipped; this order is ${phase}`,
  };
}

/** How the payment phase ends, given how the charge ended and whether a cancel is pending. */
export type ChargeOutcome = 'succeeded' | 'declined' | 'interrupted';

export function eventAfterCharge(state: OrderState, outcome: ChargeOutcome): 'PAID' | 'DECLINED' | 'CANCELLED' {
  if (state.phase !== 'PENDING') throw new InvalidTransitionError(state, 'PAID');
  if (state.action?.kind === 'cancel') return 'CANCELLED';
  if (outcome === 'succeeded') return 'PAID';
  if (outcome === 'declined') return 'DECLINED';
  // The charge is only ever interrupted on behalf of a cancel request.
  throw new InvalidTransitionError(state, 'CANCELLED');
}

/**
 * The statuses an order row can move to a status from, in one step. The run is the row's only
 * writer, but it may have written a step whose result never reached its history (a worker died
 * after the commit): the step after it must still land.
 */
export const STATUS_SOURCES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: [],
  PAID: ['PENDING'],
  FAILED: ['PENDING'],
  SHIPPED: ['PAID'],
  CANCELLED: ['PENDING', 'PAID'],
};

/** For the gateway: the state of an order known only from its row (no action in progress). */
export const stateOfStatus = (status: OrderStatus): OrderState => ({ phase: status, action: null });
