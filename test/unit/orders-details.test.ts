import type { OrderView } from '../../workflows/orders/contract';
import { describeOrder } from '../../workflows/orders/order-details';
import { initialOrderState } from '../../workflows/orders/order-state';

const order = (over: Partial<OrderView> = {}): OrderView => ({
  id: 'o1',
  userId: 'u1',
  status: 'PENDING',
  items: [
    { productId: 'p1', name: 'A', unitPriceCents: 500, quantity: 2 },
    { productId: 'p2', name: 'B', unitPriceCents: 250, quantity: 1 },
  ],
  totalCents: 1250,
  currency: 'EUR',
  payment: { status: 'PENDING' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const base = { rejection: null, paymentMethod: 'pm_card_visa', paymentTimeoutMs: 900_000 };

describe('describeOrder', () => {
  it('describes a rejected request', () => {
    expect(
      describeOrder({
        ...base,
        order: null,
        rejection: { type: 'OutOfStock', message: 'Not enough stock' },
        state: { phase: 'REJECTED', action: null },
      }),
    ).toBe('**REJECTED**: OutOfStock: Not enough stock');
  });

  it('describes a pending order being charged', () => {
    expect(describeOrder({ ...base, order: order(), state: { phase: 'PENDING', action: null } })).toBe(
      '**PENDING** · 12.50 EUR · 3 unit(s) of 2 product(s)\n\n' +
        'charging pm_card_visa; cancelled automatically if unpaid after 900 s',
    );
  });

  it('says what the process is doing with an accepted request', () => {
    const cancel = { kind: 'cancel' as const, request: { actor: 'admin' as const } };
    expect(describeOrder({ ...base, order: order(), state: { phase: 'PENDING', action: cancel } })).toMatch(
      /\n\ncancelling \(asked by admin\); refund and stock release in progress$/,
    );
    expect(
      describeOrder({ ...base, order: order({ status: 'PAID' }), state: { phase: 'PAID', action: { kind: 'ship' } } }),
    ).toMatch(/\n\nshipping$/);
  });

  it('describes each final status', () => {
    const at = (o: OrderView) => describeOrder({ ...base, order: o, state: initialOrderState() }).split('\n\n')[1];
    expect(at(order({ status: 'PAID' }))).toBe('waiting for shipOrder or cancelOrder');
    expect(at(order({ status: 'SHIPPED' }))).toBe('shipped');
    expect(at(order({ status: 'CANCELLED', payment: { status: 'REFUNDED', refundId: 're_1' } }))).toBe(
      'cancelled; refund re_1',
    );
    expect(at(order({ status: 'CANCELLED', payment: { status: 'CANCELLED' } }))).toBe('cancelled; nothing was charged');
    expect(at(order({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' }))).toBe('failed: PAYMENT_DECLINED');
    expect(at(order({ status: 'FAILED' }))).toBe('failed: unknown');
  });
});
