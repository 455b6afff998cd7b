// The reconciliation must catch each class of damage: these are its negative controls.
import { type Snapshot, reconcile } from '../faults/reconcile';

const P = 'p1';
function healthy(): Snapshot {
  return {
    accepted: ['o1', 'o2', 'o3', 'o4'],
    orders: [
      { id: 'o1', status: 'PAID', totalCents: 100 },
      { id: 'o2', status: 'CANCELLED', totalCents: 100 },
      { id: 'o3', status: 'FAILED', totalCents: 100 },
      { id: 'o4', status: 'SHIPPED', totalCents: 200 },
    ],
    items: [
      { orderId: 'o1', productId: P, quantity: 1 },
      { orderId: 'o2', productId: P, quantity: 1 },
      { orderId: 'o3', productId: P, quantity: 1 },
      { orderId: 'o4', productId: P, quantity: 2 },
    ],
    payments: [
      { orderId: 'o1', kind: 'charge', outcome: 'succeeded', amountCents: 100 },
      { orderId: 'o2', kind: 'charge', outcome: 'succeeded', amountCents: 100 },
      { orderId: 'o2', kind: 'refund', outcome: 'succeeded', amountCents: 100 },
      { orderId: 'o3', kind: 'charge', outcome: 'declined', amountCents: 100 },
      { orderId: 'o4', kind: 'charge', outcome: 'succeeded', amountCents: 200 },
    ],
    reservations: [
      { orderId: 'o1', productId: P, quantity: 1, status: 'RESERVED' },
      { orderId: 'o2', productId: P, quantity: 1, status: 'RELEASED' },
      { orderId: 'o3', productId: P, quantity: 1, status: 'RELEASED' },
      { orderId: 'o4', productId: P, quantity: 2, status: 'RESERVED' },
    ],
    products: [{ id: P, stock: 7 }],
    initialStock: { [P]: 10 },
    emailMessageIds: ['<order-paid:o1>', '<order-cancelled:o2>', '<order-failed:o3>', '<order-paid:o4>'],
    responses5xx: 0,
  };
}

it('finds nothing wrong in a consistent run', () => {
  const r = reconcile(healthy());
  expect(r.violations).toEqual([]);
  expect(r.figures).toMatchObject({
    acceptedOrders: 4,
    lostOrders: 0,
    duplicateCharges: 0,
    stockLedgerMismatches: 0,
    ordersByStatus: { PAID: 1, CANCELLED: 1, FAILED: 1, SHIPPED: 1 },
  });
});

it.each<[string, (s: Snapshot) => void, string]>([
  ['a lost order', (s) => s.orders.splice(0, 1), 'lostOrders'],
  ['a stuck order', (s) => (s.orders[0].status = 'PENDING'), 'stuckOrders'],
  [
    'a second charge',
    (s) => s.payments.push({ orderId: 'o1', kind: 'charge', outcome: 'succeeded', amountCents: 100 }),
    'duplicateCharges',
  ],
  [
    'a second refund',
    (s) => s.payments.push({ orderId: 'o2', kind: 'refund', outcome: 'succeeded', amountCents: 100 }),
    'duplicateRefunds',
  ],
  ['a cancelled order never refunded', (s) => s.payments.splice(2, 1), 'cancelledChargedWithoutRefund'],
  ['a leaked reservation', (s) => (s.reservations[1].status = 'RESERVED'), 'leakedReservations'],
  ['stock that went missing', (s) => (s.products[0].stock = 6), 'stockLedgerMismatches'],
  ['oversold stock', (s) => (s.initialStock[P] = 2), 'oversoldUnits'],
  ['a duplicate e-mail', (s) => s.emailMessageIds.push('<order-paid:o1>'), 'duplicateEmails'],
  ['a 5xx', (s) => (s.responses5xx = 1), 'responses5xx'],
])('catches %s', (_name, damage, figure) => {
  const s = healthy();
  damage(s);
  const r = reconcile(s);
  expect(r.violations.length).toBeGreaterThan(0);
  expect((r.figures as unknown as Record<string, number>)[figure]).toBeGreaterThan(0);
});
