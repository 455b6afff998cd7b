// The reconciliation must catch each class of damage: these are its negative controls. So must
// the timing judge (late, unanswered, undocumented, missing headers), the keyed-client judge
// (poisoned keys) and the history judge.
import { openApiDocument } from '../../api/openapi';
import {
  reconcileEvents,
  type Exchange,
  type KeyedClient,
  type Snapshot,
  judgeExchanges,
  judgeHistories,
  judgeKeyedClients,
  matchOperation,
  operationContracts,
  reconcile,
  stockLedger,
} from '../faults/reconcile';

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
  [
    // An intake attempt that outlived its timeout reserved for an order that was never created.
    'a reservation of an order that does not exist',
    (s) => {
      s.reservations.push({ orderId: 'ghost', productId: P, quantity: 1, status: 'RESERVED' });
      s.products[0].stock = 6;
    },
    'leakedUnits',
  ],
  [
    'units of a shipped order put back on the shelf',
    (s) => {
      s.reservations[3].status = 'RELEASED';
      s.products[0].stock = 9;
    },
    'stockLedgerMismatches',
  ],
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

describe('stockLedger', () => {
  it('balances initial = on shelf + held by live orders + shipped', () => {
    expect(stockLedger(healthy()).products[P]).toEqual({
      initial: 10,
      onShelf: 7,
      heldByLiveOrders: 1,
      shipped: 2,
      balanced: true,
    });
  });

  it('names the leak and unbalances its product when an order-less reservation took stock', () => {
    const s = healthy();
    s.reservations.push({ orderId: 'ghost', productId: P, quantity: 2, status: 'RESERVED' });
    s.products[0].stock = 5;
    const l = stockLedger(s);
    expect(l.leaks).toEqual([{ orderId: 'ghost', productId: P, quantity: 2, orderStatus: undefined }]);
    expect(l.products[P].balanced).toBe(false);
  });
});

describe('judgeExchanges', () => {
  const contracts = operationContracts(openApiDocument());
  const DEADLINE = 10_000;
  const x = (over: Partial<Exchange>): Exchange => ({
    phase: 'p',
    method: 'POST',
    path: '/api/orders',
    status: 201,
    headers: ['Location', 'content-type'],
    elapsedMs: 120,
    ...over,
  });

  it('accepts documented answers in time, and counts them per phase', () => {
    const r = judgeExchanges(
      [
        x({}),
        x({ status: 503, headers: ['retry-after'], elapsedMs: 8100 }),
        x({
          phase: 'q',
          method: 'GET',
          path: '/api/products/abc?x=1',
          status: 200,
          headers: ['x-cache', 'etag', 'cache-control', 'vary'],
        }),
        x({
          phase: 'q',
          method: 'PUT',
          path: '/api/orders/abc/cancel',
          status: 409,
          headers: [],
          code: 'ORDER_PROCESS_CLOSED',
        }),
      ],
      contracts,
      DEADLINE,
    );
    expect(r.violations).toEqual([]);
    expect(r.phases).toEqual({
      p: { requests: 2, byStatus: { '201': 1, '503': 1 }, slowestMs: 8100, problemCodes: { '?': 1 }, violations: 0 },
      q: {
        requests: 2,
        byStatus: { '200': 1, '409': 1 },
        slowestMs: 120,
        problemCodes: { ORDER_PROCESS_CLOSED: 1 },
        violations: 0,
      },
    });
  });

  it.each<[string, Partial<Exchange>, RegExp]>([
    ['a late answer', { elapsedMs: 10_001 }, /past the 10000 ms deadline/],
    [
      'a late 503, naming its code',
      { status: 503, headers: ['retry-after'], code: 'STILL_PROCESSING', elapsedMs: 10_500 },
      /answered 503 STILL_PROCESSING after 10500 ms, past the 10000 ms deadline/,
    ],
    ['no answer', { status: undefined, headers: [], elapsedMs: 30_000, error: 'aborted' }, /no answer/],
    ['a 503 without Retry-After', { status: 503, headers: [] }, /without retry-after/],
    ['a 202 without Location', { status: 202, headers: [] }, /without location/],
    ['a 201 without its required Location', { headers: [] }, /without location/],
    ['a status the operation does not document', { status: 500, headers: [] }, /500, not documented/],
    [
      'a 503 on an operation that documents none',
      { method: 'GET', path: '/api/orders/abc', status: 503, headers: ['retry-after'] },
      /not documented for GET \/api\/orders\/\{id\}/,
    ],
    ['a path outside the document', { path: '/api/nowhere' }, /not an operation/],
    // /api/users/me documents no 404; /api/users/{id} does: the literal path must win.
    ['a 404 on a literal path', { method: 'GET', path: '/api/users/me', status: 404, headers: [] }, /not documented/],
  ])('flags %s', (_name, over, message) => {
    const r = judgeExchanges([x({}), x(over)], contracts, DEADLINE);
    expect(r.violations).toEqual([expect.stringMatching(message)]);
    expect(r.phases.p.violations).toBe(1);
  });

  it('falls back to a range and then to default', () => {
    const doc = {
      paths: {
        '/a': { get: { responses: { '2XX': {}, default: {} } }, parameters: [] },
      },
    };
    const c = operationContracts(doc);
    expect(
      judgeExchanges([x({ method: 'GET', path: '/a', status: 204, headers: [] })], c, DEADLINE).violations,
    ).toEqual([]);
    expect(
      judgeExchanges([x({ method: 'GET', path: '/a', status: 418, headers: [] })], c, DEADLINE).violations,
    ).toEqual([]);
    expect(matchOperation(c, 'POST', '/a')).toBeUndefined();
  });
});

describe('judgeKeyedClients', () => {
  const released = 100_000;
  const client = (over: Partial<KeyedClient>): KeyedClient => ({
    key: 'k',
    startedAt: 0,
    attempts: [503, 503, 201],
    final: { status: 201, at: released + 3000, problemJson: false },
    ...over,
  });

  it('counts orders, clean refusals and the recovery time', () => {
    const r = judgeKeyedClients(
      [
        client({}),
        client({ attempts: [409], final: { status: 409, at: 50, code: 'OUT_OF_STOCK', problemJson: true } }),
      ],
      { releasedAt: released, graceMs: 30_000 },
    );
    expect(r).toEqual({
      clients: 2,
      created: 1,
      refused: { OUT_OF_STOCK: 1 },
      poisonedKeys: 0,
      attempts: 4,
      slowestRecoveryMs: 3000,
      violations: [],
    });
  });

  it.each<[string, Partial<KeyedClient>, RegExp]>([
    ['a key still answered 503 after the grace period', { attempts: [503, 503], final: undefined }, /no final answer/],
    [
      'a refusal that is not problem+json',
      { final: { status: 400, at: 1, problemJson: false } },
      /not a problem\+json answer/,
    ],
    [
      'IDEMPOTENCY_KEY_REUSED for the very same request',
      { final: { status: 422, at: 1, code: 'IDEMPOTENCY_KEY_REUSED', problemJson: true } },
      /for its own request/,
    ],
  ])('flags %s', (_name, over, message) => {
    const r = judgeKeyedClients([client({}), client(over)], { releasedAt: released, graceMs: 30_000 });
    expect(r.violations).toEqual([expect.stringMatching(message)]);
  });

  it('counts a key with no final answer as poisoned', () => {
    const r = judgeKeyedClients([client({ final: undefined, attempts: [503, 503], lastCode: 'SERVICE_UNAVAILABLE' })], {
      releasedAt: released,
      graceMs: 30_000,
    });
    expect(r.poisonedKeys).toBe(1);
    expect(r.violations[0]).toMatch(/2 attempts, last 503 SERVICE_UNAVAILABLE/);
  });
});

describe('judgeHistories', () => {
  const h = (workflowId: string, historyLength: number) => ({
    workflowId,
    type: 'placeOrder',
    status: 'COMPLETED',
    historyLength,
  });

  it('passes short histories and names the longest', () => {
    const r = judgeHistories([h('a', 30), h('b', 999)]);
    expect(r).toMatchObject({ workflows: 2, overLimit: 0, violations: [], longest: { workflowId: 'b' } });
  });

  it('flags a history of 1,000 events or more', () => {
    const r = judgeHistories([h('a', 30), h('b', 1000)]);
    expect(r.overLimit).toBe(1);
    expect(r.violations).toEqual(['workflow b (placeOrder, COMPLETED) has 1000 events']);
  });
});

describe('reconcileEvents', () => {
  const ev = (subject: string, type: string, sequence: number, id = `${type}:${subject}:${sequence}`) =>
    JSON.stringify({ id, type: `shop.order.${type}`, subject, sequence: String(sequence).padStart(6, '0') });

  it("finds every order's events, counting repeats of an ID and a torn line apart", () => {
    const lines = [
      ev('o1', 'accepted', 1),
      ev('o1', 'paid', 2),
      ev('o1', 'paid', 2), // a retried publish: same ID
      '{"id":"torn', // a process killed mid-append
      ev('o2', 'accepted', 1),
      ev('o2', 'payment_failed', 2),
      '',
    ];
    const r = reconcileEvents(
      [
        { id: 'o1', status: 'PAID' },
        { id: 'o2', status: 'FAILED' },
      ],
      lines,
    );
    expect(r).toMatchObject({
      distinctEvents: 4,
      duplicateLines: 1,
      unreadableLines: 1,
      missing: 0,
      conflictingSequences: 0,
    });
  });

  it('reports a missing event and two events claiming one sequence (negative controls)', () => {
    const r = reconcileEvents(
      [{ id: 'o1', status: 'SHIPPED' }],
      [ev('o1', 'accepted', 1), ev('o1', 'rejected', 1), ev('o1', 'paid', 2)],
    );
    expect(r.missing).toBe(1);
    expect(r.missingExamples).toEqual(['o1 SHIPPED: no shop.order.shipped']);
    expect(r.conflictingSequences).toBe(1);
  });
});
