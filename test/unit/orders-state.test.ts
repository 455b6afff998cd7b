// The order state machine without a server: every transition of the order lifecycle, every refusal,
// and properties over random event sequences (fast-check).
import fc from 'fast-check';
import { FailureType } from '../../workflows/shared/failures';
import {
  InvalidTransitionError,
  type OrderEvent,
  type OrderPhase,
  type OrderState,
  decideCancel,
  decideShip,
  eventAfterCharge,
  initialOrderState,
  isClosed,
  isPastPlaceBy,
  stateOfStatus,
  transition,
} from '../../workflows/orders/order-state';

const customer = { actor: 'customer' as const };
const run = (...events: OrderEvent[]): OrderState => events.reduce(transition, initialOrderState());
const accepted = () => run({ type: 'ACCEPTED' });
const paid = () => run({ type: 'ACCEPTED' }, { type: 'PAID' });

describe('transitions', () => {
  it('walks the happy path INTAKE → PENDING → PAID → SHIPPED', () => {
    expect(initialOrderState()).toEqual({ phase: 'INTAKE', action: null });
    expect(accepted()).toEqual({ phase: 'PENDING', action: null });
    expect(paid()).toEqual({ phase: 'PAID', action: null });
    const shipping = transition(paid(), { type: 'SHIP_REQUESTED' });
    expect(shipping).toEqual({ phase: 'PAID', action: { kind: 'ship' } });
    expect(transition(shipping, { type: 'SHIPPED' })).toEqual({ phase: 'SHIPPED', action: null });
  });

  it('rejects at intake, declines to FAILED, and cancels from PENDING and PAID', () => {
    expect(run({ type: 'REJECTED' }).phase).toBe('REJECTED');
    expect(run({ type: 'ACCEPTED' }, { type: 'DECLINED' }).phase).toBe('FAILED');
    for (const from of [accepted(), paid()]) {
      const cancelling = transition(from, { type: 'CANCEL_REQUESTED', request: customer });
      expect(cancelling).toEqual({ phase: from.phase, action: { kind: 'cancel', request: customer } });
      expect(transition(cancelling, { type: 'CANCELLED' })).toEqual({ phase: 'CANCELLED', action: null });
    }
  });

  it.each<[string, () => OrderState, OrderEvent]>([
    ['ship before payment', accepted, { type: 'SHIP_REQUESTED' }],
    ['pay twice', paid, { type: 'PAID' }],
    ['accept twice', accepted, { type: 'ACCEPTED' }],
    ['reject an accepted order', accepted, { type: 'REJECTED' }],
    ['decline a paid order', paid, { type: 'DECLINED' }],
    ['cancelled without a cancel request', paid, { type: 'CANCELLED' }],
    ['shipped without a ship request', paid, { type: 'SHIPPED' }],
    [
      'pay while a cancel is pending',
      () => transition(accepted(), { type: 'CANCEL_REQUESTED', request: customer }),
      { type: 'PAID' },
    ],
    [
      'ship while a cancel is pending',
      () => transition(paid(), { type: 'CANCEL_REQUESTED', request: customer }),
      { type: 'SHIP_REQUESTED' },
    ],
    [
      'cancel while shipping',
      () => transition(paid(), { type: 'SHIP_REQUESTED' }),
      { type: 'CANCEL_REQUESTED', request: customer },
    ],
    [
      'cancel a cancelled order (as a transition)',
      () => run({ type: 'ACCEPTED' }, { type: 'CANCEL_REQUESTED', request: customer }, { type: 'CANCELLED' }),
      { type: 'CANCEL_REQUESTED', request: customer },
    ],
    [
      'cancel a FAILED order',
      () => run({ type: 'ACCEPTED' }, { type: 'DECLINED' }),
      { type: 'CANCEL_REQUESTED', request: customer },
    ],
    ['cancel during intake', initialOrderState, { type: 'CANCEL_REQUESTED', request: customer }],
  ])('refuses to %s', (_label, from, event) => {
    expect(() => transition(from(), event)).toThrow(InvalidTransitionError);
    try {
      transition(from(), event);
    } catch (err) {
      expect((err as InvalidTransitionError).type).toBe(FailureType.InvalidTransition);
    }
  });
});

describe('request decisions (what the update validators answer)', () => {
  it.each<[OrderPhase, string, string]>([
    ['INTAKE', 'reject', FailureType.OrderNotCancellable],
    ['REJECTED', 'reject', FailureType.OrderNotCancellable],
    ['PENDING', 'accept', ''],
    ['PAID', 'accept', ''],
    ['CANCELLED', 'unchanged', ''],
    ['SHIPPED', 'reject', FailureType.OrderNotCancellable],
    ['FAILED', 'reject', FailureType.OrderNotCancellable],
  ])('cancel in %s → %s %s', (phase, verdict, failureType) => {
    const d = decideCancel({ phase, action: null });
    expect(d.verdict).toBe(verdict);
    if (d.verdict === 'reject') expect(d.failureType).toBe(failureType);
  });

  it.each<[OrderPhase, string]>([
    ['INTAKE', 'reject'],
    ['REJECTED', 'reject'],
    ['PENDING', 'reject'],
    ['PAID', 'accept'],
    ['CANCELLED', 'reject'],
    ['SHIPPED', 'unchanged'],
    ['FAILED', 'reject'],
  ])('ship in %s → %s (InvalidTransition when rejected)', (phase, verdict) => {
    const d = decideShip({ phase, action: null });
    expect(d.verdict).toBe(verdict);
    if (d.verdict === 'reject') expect(d.failureType).toBe(FailureType.InvalidTransition);
  });

  it('joins a request already in progress, and refuses the other one', () => {
    const cancelling = transition(paid(), { type: 'CANCEL_REQUESTED', request: customer });
    expect(decideCancel(cancelling).verdict).toBe('join');
    expect(decideShip(cancelling)).toMatchObject({ verdict: 'reject', failureType: FailureType.InvalidTransition });
    const shipping = transition(paid(), { type: 'SHIP_REQUESTED' });
    expect(decideShip(shipping).verdict).toBe('join');
    expect(decideCancel(shipping)).toMatchObject({ verdict: 'reject', failureType: FailureType.OrderNotCancellable });
  });

  it('decides from a row status alone (the gateway read path)', () => {
    expect(decideCancel(stateOfStatus('CANCELLED')).verdict).toBe('unchanged');
    expect(decideCancel(stateOfStatus('SHIPPED')).verdict).toBe('reject');
    expect(decideShip(stateOfStatus('PAID')).verdict).toBe('accept');
  });
});

describe('after the charge', () => {
  it('pays, fails or cancels; a pending cancel always wins', () => {
    expect(eventAfterCharge(accepted(), 'succeeded')).toBe('PAID');
    expect(eventAfterCharge(accepted(), 'declined')).toBe('DECLINED');
    const cancelling = transition(accepted(), {
      type: 'CANCEL_REQUESTED',
      request: { actor: 'system', reason: 'PAYMENT_TIMEOUT' },
    });
    expect(eventAfterCharge(cancelling, 'succeeded')).toBe('CANCELLED');
    expect(eventAfterCharge(cancelling, 'declined')).toBe('CANCELLED');
    expect(eventAfterCharge(cancelling, 'interrupted')).toBe('CANCELLED');
  });

  it('never treats an interrupted charge as paid or declined', () => {
    expect(() => eventAfterCharge(accepted(), 'interrupted')).toThrow(InvalidTransitionError);
    expect(() => eventAfterCharge(paid(), 'succeeded')).toThrow(InvalidTransitionError);
  });
});

describe("a cart checkout's placeBy (the run's server start time against the cart's deadline)", () => {
  const placeBy = '2026-01-01T12:00:00.000Z';
  it('a run started by placeBy places the order; one started later is past it', () => {
    expect(isPastPlaceBy(new Date('2026-01-01T11:59:59.999Z'), placeBy)).toBe(false);
    expect(isPastPlaceBy(new Date(placeBy), placeBy)).toBe(false);
    expect(isPastPlaceBy(new Date('2026-01-01T12:00:00.001Z'), placeBy)).toBe(true);
  });
  it('fails closed: a placeBy that is no date is past', () => {
    expect(isPastPlaceBy(new Date('2026-01-01T11:00:00Z'), 'soon')).toBe(true);
    expect(isPastPlaceBy(new Date('2026-01-01T11:00:00Z'), '')).toBe(true);
  });
});

describe('properties over random event sequences', () => {
  const arbEvent: fc.Arbitrary<OrderEvent> = fc.oneof(
    fc.constantFrom<OrderEvent>(
      { type: 'ACCEPTED' },
      { type: 'REJECTED' },
      { type: 'PAID' },
      { type: 'DECLINED' },
      { type: 'SHIP_REQUESTED' },
      { type: 'CANCELLED' },
      { type: 'SHIPPED' },
    ),
    fc
      .constantFrom<'customer' | 'admin' | 'system'>('customer', 'admin', 'system')
      .map((actor): OrderEvent => ({ type: 'CANCEL_REQUESTED', request: { actor } })),
  );
  const tryApply = (s: OrderState, e: OrderEvent): OrderState | undefined => {
    try {
      return transition(s, e);
    } catch (err) {
      if (err instanceof InvalidTransitionError) return undefined;
      throw err;
    }
  };

  it('closed orders never change; actions exist only on open orders; the path follows the diagram', () => {
    const allowed: Record<OrderPhase, OrderPhase[]> = {
      INTAKE: ['PENDING', 'REJECTED'],
      PENDING: ['PENDING', 'PAID', 'FAILED', 'CANCELLED'],
      PAID: ['PAID', 'SHIPPED', 'CANCELLED'],
      REJECTED: [],
      SHIPPED: [],
      CANCELLED: [],
      FAILED: [],
    };
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
        let s = initialOrderState();
        for (const e of events) {
          const next = tryApply(s, e);
          if (isClosed(s.phase)) expect(next).toBeUndefined();
          if (!next) continue;
          expect(allowed[s.phase]).toContain(next.phase);
          if (next.action) expect(['PENDING', 'PAID']).toContain(next.phase);
          if (next.phase === 'PAID' && s.phase === 'PENDING') expect(s.action).toBeNull();
          s = next;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a validator accepts a request exactly when the state machine can take it', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 20 }), (events) => {
        const s = events.reduce((acc, e) => tryApply(acc, e) ?? acc, initialOrderState());
        const cancel = decideCancel(s).verdict;
        const ship = decideShip(s).verdict;
        expect(cancel === 'accept').toBe(tryApply(s, { type: 'CANCEL_REQUESTED', request: customer }) !== undefined);
        expect(ship === 'accept').toBe(tryApply(s, { type: 'SHIP_REQUESTED' }) !== undefined);
        // A request is only ever refused in a state where it could never be carried out.
        if (cancel === 'reject')
          expect(s.phase === 'PENDING' || s.phase === 'PAID' ? s.action?.kind : 'closed-or-intake').toBeTruthy();
      }),
      { numRuns: 2000 },
    );
  });
});
