// The end-of-run reconciliation of the fault-injection runs: from a snapshot of the database,
// the SMTP sink and what the clients were told, count lost orders, duplicate charges, refunds
// and e-mails, oversold or leaked stock, and money that does not add up. Pure: unit-tested
// with deliberately broken snapshots (the negative controls).

export interface Snapshot {
  /** Orders the API accepted (201), by ID. */
  accepted: string[];
  orders: { id: string; status: string; totalCents: number }[];
  items: { orderId: string; productId: string; quantity: number }[];
  payments: { orderId: string; kind: 'charge' | 'refund'; outcome: string; amountCents: number }[];
  reservations: { orderId: string; productId: string; quantity: number; status: string }[];
  products: { id: string; stock: number }[];
  initialStock: Record<string, number>;
  /** Message-ID of every e-mail the SMTP sink received. */
  emailMessageIds: string[];
  responses5xx: number;
}

export interface Figures {
  acceptedOrders: number;
  ordersByStatus: Record<string, number>;
  lostOrders: number;
  stuckOrders: number;
  duplicateCharges: number;
  duplicateRefunds: number;
  paidWithoutCharge: number;
  cancelledChargedWithoutRefund: number;
  failedButCharged: number;
  oversoldUnits: number;
  leakedReservations: number;
  stockLedgerMismatches: number;
  duplicateEmails: number;
  emailsSent: number;
  responses5xx: number;
}

export interface Reconciliation {
  figures: Figures;
  violations: string[];
}

const TERMINAL_OR_WAITING = new Set(['PAID', 'SHIPPED', 'CANCELLED', 'FAILED']);
const HOLDS_STOCK = new Set(['PENDING', 'PAID', 'SHIPPED']);

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

export function reconcile(s: Snapshot): Reconciliation {
  const violations: string[] = [];
  const orders = new Map(s.orders.map((o) => [o.id, o]));
  const lost = s.accepted.filter((id) => !orders.has(id));
  const stuck = s.accepted.filter((id) => orders.has(id) && !TERMINAL_OR_WAITING.has(orders.get(id)!.status));
  lost.forEach((id) => violations.push(`order ${id} was accepted but does not exist`));
  stuck.forEach((id) => violations.push(`order ${id} is stuck in ${orders.get(id)!.status}`));

  const succeeded = (kind: 'charge' | 'refund') =>
    s.payments.filter((p) => p.kind === kind && p.outcome === 'succeeded');
  const charges = countBy(succeeded('charge'), (p) => p.orderId);
  const refunds = countBy(succeeded('refund'), (p) => p.orderId);
  const allAttempts = countBy(s.payments, (p) => `${p.orderId}:${p.kind}`);
  let duplicateCharges = 0;
  let duplicateRefunds = 0;
  for (const [key, n] of allAttempts) {
    if (n > 1) {
      if (key.endsWith(':charge')) duplicateCharges += n - 1;
      else duplicateRefunds += n - 1;
      violations.push(`${n} ${key.split(':')[1]} records for order ${key.split(':')[0]}`);
    }
  }

  let paidWithoutCharge = 0;
  let cancelledChargedWithoutRefund = 0;
  let failedButCharged = 0;
  for (const o of s.orders) {
    const charged = charges.get(o.id) ?? 0;
    const refunded = refunds.get(o.id) ?? 0;
    if ((o.status === 'PAID' || o.status === 'SHIPPED') && (charged !== 1 || refunded !== 0)) {
      paidWithoutCharge++;
      violations.push(`order ${o.id} is ${o.status} with ${charged} charges and ${refunded} refunds`);
    }
    if (o.status === 'CANCELLED' && charged !== refunded) {
      cancelledChargedWithoutRefund++;
      violations.push(`order ${o.id} is CANCELLED with ${charged} charges and ${refunded} refunds`);
    }
    if (o.status === 'FAILED' && charged > 0) {
      failedButCharged++;
      violations.push(`order ${o.id} FAILED but was charged`);
    }
  }
  for (const p of succeeded('charge')) {
    const o = orders.get(p.orderId);
    if (o && p.amountCents !== o.totalCents)
      violations.push(`order ${o.id} charged ${p.amountCents}, total ${o.totalCents}`);
  }

  // Stock: every unit is either on the shelf or held by a live reservation of a live order.
  let leakedReservations = 0;
  const held = new Map<string, number>();
  for (const r of s.reservations) {
    if (r.status !== 'RESERVED') continue;
    const o = orders.get(r.orderId);
    if (!o || !HOLDS_STOCK.has(o.status)) {
      leakedReservations++;
      violations.push(
        `reservation of order ${r.orderId} (${o?.status ?? 'no order'}) still holds ${r.quantity} of ${r.productId}`,
      );
    }
    held.set(r.productId, (held.get(r.productId) ?? 0) + r.quantity);
  }
  let stockLedgerMismatches = 0;
  let oversoldUnits = 0;
  for (const p of s.products) {
    const initial = s.initialStock[p.id];
    if (initial === undefined) continue;
    if (p.stock < 0) oversoldUnits += -p.stock;
    const sold = s.items
      .filter((i) => i.productId === p.id && ['PAID', 'SHIPPED'].includes(orders.get(i.orderId)?.status ?? ''))
      .reduce((n, i) => n + i.quantity, 0);
    if (sold > initial) oversoldUnits += sold - initial;
    if (initial !== p.stock + (held.get(p.id) ?? 0)) {
      stockLedgerMismatches++;
      violations.push(`product ${p.id}: initial ${initial} != on shelf ${p.stock} + held ${held.get(p.id) ?? 0}`);
    }
  }
  if (oversoldUnits) violations.push(`${oversoldUnits} units oversold`);

  const emails = countBy(s.emailMessageIds, (id) => id);
  let duplicateEmails = 0;
  for (const [id, n] of emails) {
    if (n > 1) {
      duplicateEmails += n - 1;
      violations.push(`e-mail ${id} delivered ${n} times`);
    }
  }
  if (s.responses5xx) violations.push(`${s.responses5xx} responses >= 500`);

  return {
    figures: {
      acceptedOrders: s.accepted.length,
      ordersByStatus: Object.fromEntries(
        countBy(
          s.orders.filter((o) => s.accepted.includes(o.id)),
          (o) => o.status,
        ),
      ),
      lostOrders: lost.length,
      stuckOrders: stuck.length,
      duplicateCharges,
      duplicateRefunds,
      paidWithoutCharge,
      cancelledChargedWithoutRefund,
      failedButCharged,
      oversoldUnits,
      leakedReservations,
      stockLedgerMismatches,
      duplicateEmails,
      emailsSent: s.emailMessageIds.length,
      responses5xx: s.responses5xx,
    },
    violations,
  };
}
