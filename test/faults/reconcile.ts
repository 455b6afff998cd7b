// The end-of-run reconciliation of the fault-injection runs: from a snapshot of the database,
// the SMTP sink and what the clients were told, count lost orders, duplicate charges, refunds
// and e-mails, oversold or leaked stock, and money that does not add up; judge every request
// the load sent against its deadline and the OpenAPI document; judge the retrying clients of
// the write-lock scenario and the length of every workflow history. Pure: unit-tested with
// deliberately broken inputs (the negative controls).

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
  leakedUnits: number;
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
/** Orders whose reservations hold units on the shelf's behalf (not yet shipped, not released). */
const LIVE = new Set(['PENDING', 'PAID']);

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

  // Stock: every unit is on the shelf, held by a live order, or shipped.
  const ledger = stockLedger(s);
  for (const l of ledger.leaks)
    violations.push(
      `reservation of order ${l.orderId} (${l.orderStatus ?? 'no order'}) still holds ${l.quantity} of ${l.productId}`,
    );
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
    const l = ledger.products[p.id];
    if (!l.balanced) {
      stockLedgerMismatches++;
      violations.push(
        `product ${p.id}: initial ${initial} != on shelf ${l.onShelf} + held by live orders ${l.heldByLiveOrders} + shipped ${l.shipped}`,
      );
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
      leakedReservations: ledger.leaks.length,
      leakedUnits: ledger.leaks.reduce((n, l) => n + l.quantity, 0),
      stockLedgerMismatches,
      duplicateEmails,
      emailsSent: s.emailMessageIds.length,
      responses5xx: s.responses5xx,
    },
    violations,
  };
}

// ---- stock ledger

export interface ProductLedger {
  initial: number;
  onShelf: number;
  /** Units of RESERVED rows whose order exists and is PENDING or PAID. */
  heldByLiveOrders: number;
  /** Units on the lines of SHIPPED orders (their reservation rows stay RESERVED: consumed). */
  shipped: number;
  balanced: boolean;
}

export interface Leak {
  orderId: string;
  productId: string;
  quantity: number;
  /** Undefined: the reservation's order does not exist (intake gave up, a late attempt reserved). */
  orderStatus?: string;
}

/**
 * initial = on shelf + held by live orders + shipped, per product of `initialStock`. A RESERVED
 * row of an order that is missing, FAILED or CANCELLED is a leak: its units are off the shelf
 * for good, so it also unbalances its product.
 */
export function stockLedger(s: Pick<Snapshot, 'orders' | 'items' | 'reservations' | 'products' | 'initialStock'>): {
  products: Record<string, ProductLedger>;
  leaks: Leak[];
} {
  const status = new Map(s.orders.map((o) => [o.id, o.status]));
  const leaks: Leak[] = [];
  const held = new Map<string, number>();
  for (const r of s.reservations) {
    if (r.status !== 'RESERVED') continue;
    const st = status.get(r.orderId);
    if (st !== undefined && LIVE.has(st)) held.set(r.productId, (held.get(r.productId) ?? 0) + r.quantity);
    else if (st !== 'SHIPPED')
      leaks.push({ orderId: r.orderId, productId: r.productId, quantity: r.quantity, orderStatus: st });
  }
  const shipped = new Map<string, number>();
  for (const i of s.items)
    if (status.get(i.orderId) === 'SHIPPED') shipped.set(i.productId, (shipped.get(i.productId) ?? 0) + i.quantity);
  const products: Record<string, ProductLedger> = {};
  for (const p of s.products) {
    const initial = s.initialStock[p.id];
    if (initial === undefined) continue;
    const heldByLiveOrders = held.get(p.id) ?? 0;
    const out = shipped.get(p.id) ?? 0;
    products[p.id] = {
      initial,
      onShelf: p.stock,
      heldByLiveOrders,
      shipped: out,
      balanced: initial === p.stock + heldByLiveOrders + out,
    };
  }
  return { products, leaks };
}

// ---- timing: every request answered within its deadline, with a documented status

/** What the load saw of one request. */
export interface Exchange {
  /** The scenario (or setup phase) the request was sent in. */
  phase: string;
  method: string;
  /** As sent; a query string is ignored for matching. */
  path: string;
  /** Undefined: no answer (network error, or the client gave up waiting). */
  status?: number;
  /** Names of the response headers that were present (any case). */
  headers: string[];
  elapsedMs: number;
  error?: string;
  /** The problem+json `code` of an error answer (STILL_PROCESSING, SERVICE_UNAVAILABLE...). */
  code?: string;
}

/** The part of an OpenAPI 3.x document this check reads. */
export interface OpenApiLike {
  paths?: Record<string, object>;
}

export interface OperationContract {
  method: string;
  template: string;
  /** Status code (or `4XX`, `default`) → names of the headers that response must carry, lower case. */
  responses: Map<string, string[]>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Every operation of the document with its documented statuses and required headers. */
export function operationContracts(doc: OpenApiLike): OperationContract[] {
  const out: OperationContract[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, unknown>)) {
      if (!HTTP_METHODS.has(method)) continue;
      const responses = new Map<string, string[]>();
      const documented = (op as { responses?: Record<string, { headers?: Record<string, { required?: boolean }> }> })
        .responses;
      for (const [status, r] of Object.entries(documented ?? {}))
        responses.set(
          status.toUpperCase(),
          Object.entries(r.headers ?? {})
            .filter(([, h]) => h.required)
            .map(([name]) => name.toLowerCase()),
        );
      out.push({ method: method.toUpperCase(), template, responses });
    }
  }
  return out;
}

function templatePattern(template: string): RegExp {
  const parts = template.split(/\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

/** The operation a request is an instance of; a literal path wins over a templated one. */
export function matchOperation(
  contracts: OperationContract[],
  method: string,
  path: string,
): OperationContract | undefined {
  const bare = path.split('?')[0];
  const candidates = contracts.filter(
    (c) => c.method === method.toUpperCase() && templatePattern(c.template).test(bare),
  );
  return candidates.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))[0];
}

export interface PhaseTiming {
  requests: number;
  /** Status → answers; `none` counts requests that got no answer. */
  byStatus: Record<string, number>;
  slowestMs: number;
  /** Error answers by problem code (`?` when the body had none). */
  problemCodes: Record<string, number>;
  violations: number;
}

export interface TimingJudgement {
  phases: Record<string, PhaseTiming>;
  violations: string[];
}

/**
 * Each request must be answered within `deadlineMs` with a status its operation documents,
 * carrying that response's required headers; whatever the document says, a 503 must carry
 * Retry-After and a 202 Location (the client's only ways to know when and where to look again).
 */
export function judgeExchanges(
  exchanges: Exchange[],
  contracts: OperationContract[],
  deadlineMs: number,
): TimingJudgement {
  const phases: Record<string, PhaseTiming> = {};
  const violations: string[] = [];
  for (const x of exchanges) {
    const ph = (phases[x.phase] ??= { requests: 0, byStatus: {}, slowestMs: 0, problemCodes: {}, violations: 0 });
    ph.requests++;
    const key = x.status === undefined ? 'none' : String(x.status);
    ph.byStatus[key] = (ph.byStatus[key] ?? 0) + 1;
    if (x.status !== undefined && x.status >= 400)
      ph.problemCodes[x.code ?? '?'] = (ph.problemCodes[x.code ?? '?'] ?? 0) + 1;
    ph.slowestMs = Math.max(ph.slowestMs, Math.round(x.elapsedMs));
    const what = `${x.phase}: ${x.method} ${x.path}`;
    const wrong: string[] = [];
    if (x.status === undefined) {
      wrong.push(`${what} got no answer after ${Math.round(x.elapsedMs)} ms (${x.error ?? 'no error'})`);
    } else {
      if (x.elapsedMs > deadlineMs)
        wrong.push(
          `${what} answered ${x.status}${x.code ? ` ${x.code}` : ''} after ${Math.round(x.elapsedMs)} ms, past the ${deadlineMs} ms deadline`,
        );
      const op = matchOperation(contracts, x.method, x.path);
      const present = new Set(x.headers.map((h) => h.toLowerCase()));
      const required = new Set<string>();
      if (!op) wrong.push(`${what} is not an operation of the OpenAPI document`);
      else {
        const documented =
          op.responses.get(String(x.status)) ??
          op.responses.get(`${String(x.status)[0]}XX`) ??
          op.responses.get('DEFAULT');
        if (!documented) wrong.push(`${what} answered ${x.status}, not documented for ${op.method} ${op.template}`);
        documented?.forEach((h) => required.add(h));
      }
      if (x.status === 503) required.add('retry-after');
      if (x.status === 202) required.add('location');
      for (const h of required) if (!present.has(h)) wrong.push(`${what} answered ${x.status} without ${h}`);
    }
    if (wrong.length) ph.violations++;
    violations.push(...wrong);
  }
  return { phases, violations };
}

// ---- the write-lock scenario: every keyed client gets a final answer

/** One client of the write-lock scenario: one Idempotency-Key, repeated until a final answer. */
export interface KeyedClient {
  key: string;
  startedAt: number;
  /** Status of every attempt in order; 0 for an attempt that got no answer. */
  attempts: number[];
  /** The problem code of the last error answer. */
  lastCode?: string;
  /** The final answer: 201/200, or a 4xx problem (code from its body). Undefined: gave up. */
  final?: { status: number; at: number; code?: string; problemJson: boolean };
}

export interface KeyJudgement {
  clients: number;
  created: number;
  /** Final 4xx answers by problem code. */
  refused: Record<string, number>;
  /** Keys with no final answer by the end of the grace period after the lock was released (and a last probe). */
  poisonedKeys: number;
  attempts: number;
  /** Longest wait from the release to a client's final answer (0 if all were answered before). */
  slowestRecoveryMs: number;
  violations: string[];
}

export function judgeKeyedClients(clients: KeyedClient[], o: { releasedAt: number; graceMs: number }): KeyJudgement {
  const violations: string[] = [];
  const refused: Record<string, number> = {};
  let created = 0;
  let poisonedKeys = 0;
  let slowestRecoveryMs = 0;
  for (const c of clients) {
    if (!c.final) {
      poisonedKeys++;
      const last = c.attempts.at(-1);
      violations.push(
        `key ${c.key}: no final answer ${Math.round(o.graceMs / 1000)} s after the lock was released ` +
          `(${c.attempts.length} attempts, last ${last === 0 ? 'no answer' : (last ?? 'none')}${c.lastCode ? ` ${c.lastCode}` : ''})`,
      );
      continue;
    }
    slowestRecoveryMs = Math.max(slowestRecoveryMs, c.final.at - o.releasedAt);
    if (c.final.status === 200 || c.final.status === 201) {
      created++;
      continue;
    }
    const code = c.final.code ?? `HTTP_${c.final.status}`;
    refused[code] = (refused[code] ?? 0) + 1;
    if (!c.final.problemJson) violations.push(`key ${c.key}: final ${c.final.status} is not a problem+json answer`);
    // The client never changed its body, so the key cannot have been used "with a different request".
    if (code === 'IDEMPOTENCY_KEY_REUSED') violations.push(`key ${c.key}: IDEMPOTENCY_KEY_REUSED for its own request`);
  }
  return {
    clients: clients.length,
    created,
    refused,
    poisonedKeys,
    attempts: clients.reduce((n, c) => n + c.attempts.length, 0),
    slowestRecoveryMs: Math.max(0, Math.round(slowestRecoveryMs)),
    violations,
  };
}

// ---- workflow histories stay short

export interface HistoryInfo {
  workflowId: string;
  type: string;
  status: string;
  historyLength: number;
}

export interface HistoryJudgement {
  workflows: number;
  longest?: HistoryInfo;
  overLimit: number;
  violations: string[];
}

/**
 * A history near the server's limits (50,000 events warn, 51,200 terminate) means a retry loop
 * inside the workflow; an order's whole life is a few dozen events, so 1,000 is the alarm.
 */
export function judgeHistories(histories: HistoryInfo[], limit = 1000): HistoryJudgement {
  const over = histories.filter((h) => h.historyLength >= limit);
  const longest = histories.reduce<HistoryInfo | undefined>(
    (a, h) => (!a || h.historyLength > a.historyLength ? h : a),
    undefined,
  );
  return {
    workflows: histories.length,
    longest,
    overLimit: over.length,
    violations: over.map((h) => `workflow ${h.workflowId} (${h.type}, ${h.status}) has ${h.historyLength} events`),
  };
}

/** One line of DATA_DIR/events.jsonl, as far as the reconciliation reads it. */
export interface EventLine {
  id: string;
  type: string;
  subject: string;
  sequence: string;
}

export interface EventFigures {
  /** Lines in the file, and those that were not a whole event (a process killed mid-append). */
  lines: number;
  unreadableLines: number;
  distinctEvents: number;
  /** Lines repeating an ID already seen (the at-least-once remainder consumers drop by ID). */
  duplicateLines: number;
  byType: Record<string, number>;
  /** An order's event the order's final status implies, absent from the stream. */
  missing: number;
  missingExamples: string[];
  /** Two different IDs for one (subject, sequence): two histories of one entity. */
  conflictingSequences: number;
}

/** What each final status implies was published for an order (at least these). */
const EVENTS_OF_STATUS: Record<string, string[]> = {
  PAID: ['shop.order.accepted', 'shop.order.paid'],
  SHIPPED: ['shop.order.accepted', 'shop.order.paid', 'shop.order.shipped'],
  CANCELLED: ['shop.order.accepted', 'shop.order.cancelled'],
  FAILED: ['shop.order.accepted', 'shop.order.payment_failed'],
};

/** Reconciles the published integration events (the JSONL stream) against the orders' final status. */
export function reconcileEvents(orders: { id: string; status: string }[], rawLines: string[]): EventFigures {
  const events: EventLine[] = [];
  let unreadableLines = 0;
  for (const line of rawLines) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as EventLine;
      if (typeof e.id === 'string' && typeof e.type === 'string') events.push(e);
      else unreadableLines++;
    } catch {
      unreadableLines++;
    }
  }
  const ids = new Set<string>();
  let duplicateLines = 0;
  const seen = new Map<string, Set<string>>(); // subject → types
  const bySequence = new Map<string, string>();
  let conflictingSequences = 0;
  const byType: Record<string, number> = {};
  for (const e of events) {
    if (ids.has(e.id)) {
      duplicateLines++;
      continue;
    }
    ids.add(e.id);
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    if (!seen.has(e.subject)) seen.set(e.subject, new Set());
    seen.get(e.subject)!.add(e.type);
    const seqKey = `${e.subject}#${e.sequence}`;
    const other = bySequence.get(seqKey);
    if (other && other !== e.id) conflictingSequences++;
    else bySequence.set(seqKey, e.id);
  }
  const missingExamples: string[] = [];
  let missing = 0;
  for (const o of orders)
    for (const type of EVENTS_OF_STATUS[o.status] ?? [])
      if (!seen.get(o.id)?.has(type)) {
        missing++;
        if (missingExamples.length < 5) missingExamples.push(`${o.id} ${o.status}: no ${type}`);
      }
  return {
    lines: events.length + unreadableLines,
    unreadableLines,
    distinctEvents: ids.size,
    duplicateLines,
    byType,
    missing,
    missingExamples,
    conflictingSequences,
  };
}
