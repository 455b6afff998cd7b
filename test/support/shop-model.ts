// A simple model of the shop (products with exact stock, orders with their status and the
// units they hold, Idempotency-Key answers) and the fast-check commands that drive the real
// gateway and check every answer against it (test/integration/model.test.ts).
//
// The model tracks stock exactly: the commands run one at a time and are the only writers of
// the products they create, so stock(p) = the stock last set by POST/PUT, minus the units
// reserved by every accepted order since, plus the units released by cancellations and
// declined payments. Payments settle asynchronously: the model decides the terminal state of a
// PENDING order from its card (visa → PAID, declined → FAILED with its stock released) and a
// command that needs the settled state polls (bounded) until the order leaves PENDING.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../api/openapi';
import { checkoutOrderIdFor, orderIdFor } from '../../api/orders/idempotency';
import { ProductEntity } from '../../db/entities';
import { CART_LIMITS } from '../../workflows/carts/contract';
import type { OrderStatus, OrderView, ShippingAddress } from '../../workflows/orders/contract';
import type { HttpResponse, RequestOptions, Stack } from './stack';

// ---- the model ----------------------------------------------------------------------------------

export const VISA = 'pm_card_visa';
export const DECLINED = 'pm_card_chargeDeclined';
export type Card = typeof VISA | typeof DECLINED;

export interface ModelProduct {
  label: string;
  id: string;
  /** The 201 body of the creation (id, sku, name, description, priceCents, currency, createdAt). */
  created: Record<string, any>;
  stock: number;
  deleted: boolean;
}

export interface ModelLine {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface ModelOrder {
  label: string;
  id: string;
  owner: number;
  card: Card;
  /** Merged per product (what the order holds while PENDING, PAID or SHIPPED). */
  lines: ModelLine[];
  /** PENDING means "payment not settled yet as far as the model has seen". */
  status: OrderStatus;
  /** The 201 body. */
  accepted: OrderView;
  /** The last settled view seen (PAID, SHIPPED, CANCELLED, FAILED): reads must answer exactly it. */
  view?: OrderView;
  /** The chargeId of the PAID order, once seen. */
  chargeId?: string;
  /** Orders placed by a checkout carry the address (as normalised by the gateway). */
  shippingAddress?: ShippingAddress;
}

/** A cart as the model has it: the lines in the order they were first added. */
export interface ModelCart {
  lines: { productId: string; quantity: number }[];
  /** The cart's updatedAt as last seen; undefined until one is seen in this sequence. */
  updatedAt?: string | null;
}

export interface CheckoutBody {
  paymentMethod: Card;
  shippingAddress: Record<string, string>;
}

/** A POST /api/cart/checkout sent with an Idempotency-Key, and its latest answer. */
export interface KeyedCheckout {
  label: string;
  key: string;
  owner: number;
  body: CheckoutBody;
  status: number;
  response: unknown;
  location: string | null;
}

/**
 * A product outside the model (huge stock, never ordered, never changed) that FillCart puts in
 * a cart to take it to its line limit, and takes out again.
 */
export interface FillerProduct {
  id: string;
  name: string;
  priceCents: number;
}

/** A POST /api/orders sent with an Idempotency-Key, and how it was answered the first time. */
export interface KeyedRequest {
  label: string;
  key: string;
  owner: number;
  body: { items: { productId: string; quantity: number }[]; paymentMethod: Card };
  status: number;
  response: unknown;
  location: string | null;
}

/** Deliberate mistakes for the negative control: a wrong model must make the test fail. */
export interface ModelFlaws {
  /** Cancelling an order does not give its units back to stock (the real shop does). */
  forgetStockOnCancel?: boolean;
}

export interface ShopModel {
  products: ModelProduct[];
  orders: ModelOrder[];
  keyed: KeyedRequest[];
  /** Per customer (index), once the sequence has touched that cart; an untouched cart is empty. */
  carts: Record<number, ModelCart>;
  checkouts: KeyedCheckout[];
  /**
   * Whether FillCart may run: at most once, and only in the sequences drawn for it (it costs
   * ~100 requests, as much as a whole sequence).
   */
  mayFillCart: boolean;
  flaws: ModelFlaws;
  /** After this instant every command's check() is false: the sequence winds down quickly. */
  stopAt: number;
}

export interface Customer {
  id: string;
  email: string;
  token: string;
}

export interface Tally {
  sequences: number;
  commands: number;
  requests: number;
  fiveHundreds: number;
  violations: number;
  statuses: Record<string, number>;
  xCache: Record<string, number>;
  orderOutcomes: Record<string, number>;
  /** What the commands ran into (e.g. `cancel PENDING/visa → 200`): the coverage of a run. */
  events: Record<string, number>;
  /** Per route: requests and total milliseconds. */
  latency: Record<string, { n: number; ms: number }>;
}

export const newTally = (): Tally => ({
  sequences: 0,
  commands: 0,
  requests: 0,
  fiveHundreds: 0,
  violations: 0,
  statuses: {},
  xCache: {},
  orderOutcomes: {},
  events: {},
  latency: {},
});

export interface ShopReal {
  stack: Stack;
  admin: string;
  customers: Customer[];
  tally: Tally;
  /** The requests of the current sequence (for the report of a violation). */
  trace: string[];
  pollTimeoutMs: number;
  /** CART_LIMITS.maxLines products for FillCart. */
  fillers: FillerProduct[];
  /** The carts (customer indexes) that may hold something: emptied before the lane's next sequence. */
  cartsTouched: Set<number>;
}

export const MAX_LIVE_PRODUCTS = 3;
export const MAX_PRODUCTS = 6;

export const newModel = (flaws: ModelFlaws, stopAt: number, mayFillCart = false): ShopModel => ({
  products: [],
  orders: [],
  keyed: [],
  carts: {},
  checkouts: [],
  mayFillCart,
  flaws,
  stopAt,
});

const holdsStock = (s: OrderStatus) => s === 'PENDING' || s === 'PAID' || s === 'SHIPPED';

function releaseInModel(m: ShopModel, o: ModelOrder, why: 'cancel' | 'decline'): void {
  if (why === 'cancel' && m.flaws.forgetStockOnCancel) return;
  for (const l of o.lines) {
    const p = m.products.find((x) => x.id === l.productId);
    if (p) p.stock += l.quantity;
  }
}

// ---- checking answers -----------------------------------------------------------------------------

export class ModelViolation extends Error {
  constructor(message: string, trace: string[]) {
    super(`${message}\n  requests of this sequence (most recent last):\n    ${trace.slice(-80).join('\n    ')}`);
    this.name = 'ModelViolation';
  }
}

const doc = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'shop', components: doc.components }, 'shop');

function schemaErrors(name: string, value: unknown): string | undefined {
  const validate = ajv.getSchema(`shop#/components/schemas/${name}`)!;
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

/** Runs a jest assertion; a failure becomes a ModelViolation naming what was checked. */
function verify(r: ShopReal, what: string, assertion: () => void): void {
  try {
    assertion();
  } catch (err) {
    throw new ModelViolation(`${what}: ${(err as Error).message}`, r.trace);
  }
}

function conforms(r: ShopReal, schema: string, value: unknown, what: string): void {
  const errors = schemaErrors(schema, value);
  if (errors)
    throw new ModelViolation(
      `${what}: not a ${schema} of the OpenAPI document: ${errors}\n${JSON.stringify(value)}`,
      r.trace,
    );
}

const short = (v: unknown) => {
  const s = JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

/**
 * Every request goes through here: counted, traced, never ≥ 500, and every error is
 * problem+json matching the document's Problem schema.
 */
async function send(r: ShopReal, method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  r.tally.requests++;
  const t0 = Date.now();
  const res = await r.stack.request(method, path, opts);
  const route = `${method} ${path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')}`;
  const l = (r.tally.latency[route] ??= { n: 0, ms: 0 });
  l.n++;
  l.ms += Date.now() - t0;
  r.tally.statuses[res.status] = (r.tally.statuses[res.status] ?? 0) + 1;
  const key = opts.headers?.['Idempotency-Key'] ? ` [Idempotency-Key ${opts.headers['Idempotency-Key']}]` : '';
  r.trace.push(
    `${method} ${path}${key}${opts.body !== undefined ? ` ${short(opts.body)}` : ''} → ${res.status}${res.status >= 300 || method !== 'GET' ? ` ${short(res.body)}` : ''}`,
  );
  if (res.status >= 500) {
    r.tally.fiveHundreds++;
    throw new ModelViolation(`${method} ${path} answered ${res.status}`, r.trace);
  }
  if (res.status >= 400) {
    if (!(res.headers.get('content-type') ?? '').includes('application/problem+json'))
      throw new ModelViolation(`${method} ${path} → ${res.status} is not problem+json`, r.trace);
    conforms(r, 'Problem', res.body, `${method} ${path} → ${res.status}`);
    if (res.body.status !== res.status)
      throw new ModelViolation(`${method} ${path}: problem status ${res.body.status} ≠ HTTP ${res.status}`, r.trace);
  }
  return res;
}

function expectStatus(r: ShopReal, res: HttpResponse, status: number, code?: string, what = ''): void {
  const actual = res.status === status && (code === undefined || res.body?.code === code);
  if (!actual) {
    throw new ModelViolation(
      `${what ? `${what}: ` : ''}expected ${status}${code ? ` ${code}` : ''}, got ${res.status} ${short(res.body)}`,
      r.trace,
    );
  }
}

const tokenOf = (r: ShopReal, who: number) => r.customers[who].token;
const otherThan = (r: ShopReal, who: number) => (who + 1) % r.customers.length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const itemsOf = (o: ModelOrder) => [...o.lines].sort((a, b) => a.productId.localeCompare(b.productId));
const totalOf = (o: ModelOrder) => o.lines.reduce((n, l) => n + l.unitPriceCents * l.quantity, 0);

/** The parts of an order that never change after acceptance. */
function orderBase(r: ShopReal, o: ModelOrder) {
  return {
    id: o.id,
    userId: r.customers[o.owner].id,
    items: itemsOf(o),
    totalCents: totalOf(o),
    currency: 'USD',
    ...(o.shippingAddress ? { shippingAddress: o.shippingAddress } : {}),
    createdAt: o.accepted.createdAt,
  };
}

const later = (prev: string) => expect.toSatisfyUpdatedAt(prev);

// A tiny custom asymmetric matcher: updatedAt never goes backwards.
expect.extend({
  toSatisfyUpdatedAt(received: unknown, prev: string) {
    const pass =
      typeof received === 'string' && !Number.isNaN(Date.parse(received)) && Date.parse(received) >= Date.parse(prev);
    return { pass, message: () => `expected an ISO timestamp not before ${prev}, got ${String(received)}` };
  },
});
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Expect {
      toSatisfyUpdatedAt(prev: string): any;
    }
  }
}

/**
 * Checks an order view the model has not pinned yet (a settled state seen for the first time)
 * and records it. `cancelledFrom` tells what a CANCELLED order was before, for its payment.
 */
function checkNewView(
  r: ShopReal,
  o: ModelOrder,
  body: OrderView,
  status: OrderStatus,
  what: string,
  cancelledFrom?: OrderStatus,
): void {
  conforms(r, 'Order', body, what);
  const base = { ...orderBase(r, o), status, updatedAt: later(o.view?.updatedAt ?? o.accepted.updatedAt) };
  let expected: Record<string, unknown>;
  switch (status) {
    case 'PENDING':
      expected = o.accepted as unknown as Record<string, unknown>;
      break;
    case 'PAID':
      expected = { ...base, payment: { status: 'SUCCEEDED', chargeId: expect.stringMatching(/^ch_/) } };
      break;
    case 'FAILED':
      expected = { ...base, payment: { status: 'DECLINED' }, failureReason: 'PAYMENT_DECLINED' };
      break;
    case 'SHIPPED':
      expected = { ...base, payment: { status: 'SUCCEEDED', chargeId: o.chargeId } };
      break;
    case 'CANCELLED': {
      // Cancelled once PAID (seen): refunded. Cancelled while the charge was unsettled: refunded
      // if the provider had captured, else the charge key was closed (CANCELLED), or for a
      // declined card the decline may have come first (DECLINED).
      const refunded = {
        status: 'REFUNDED',
        chargeId: o.chargeId ?? expect.stringMatching(/^ch_/),
        refundId: expect.stringMatching(/^re_/),
      };
      const allowed: unknown[] =
        cancelledFrom === 'PAID'
          ? [refunded]
          : o.card === VISA
            ? [refunded, { status: 'CANCELLED' }]
            : [{ status: 'DECLINED' }, { status: 'CANCELLED' }];
      verify(r, `${what}: payment of a cancelled ${cancelledFrom} ${o.card} order`, () =>
        expect(allowed).toContainEqual(body.payment),
      );
      expected = { ...base, payment: body.payment };
      break;
    }
  }
  verify(r, what, () => expect(body).toEqual(expected));
  if (status === 'PAID') o.chargeId = body.payment!.chargeId;
  if (status !== 'PENDING') o.view = body;
}

/** The terminal state of an unsettled order, by its card. */
const settledStatusOf = (o: ModelOrder): OrderStatus => (o.card === VISA ? 'PAID' : 'FAILED');

/** Records that an order left PENDING (as the model expects) with this view. */
function applySettled(m: ShopModel, r: ShopReal, o: ModelOrder, body: OrderView, what: string): void {
  const expected = settledStatusOf(o);
  verify(r, `${what}: ${o.label} (${o.card}) settles as ${expected}`, () => expect(body.status).toBe(expected));
  checkNewView(r, o, body, expected, what);
  o.status = expected;
  if (expected === 'FAILED') releaseInModel(m, o, 'decline');
}

/** Polls GET /api/orders/:id (bounded) until the order leaves PENDING, and applies it. */
async function settle(m: ShopModel, r: ShopReal, o: ModelOrder): Promise<void> {
  if (o.status !== 'PENDING') return;
  const deadline = Date.now() + r.pollTimeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 1.5, 250)) {
    const res = await send(r, 'GET', `/api/orders/${o.id}`, { token: tokenOf(r, o.owner) });
    expectStatus(r, res, 200, undefined, `poll ${o.label}`);
    if (res.body.status !== 'PENDING') return applySettled(m, r, o, res.body, `poll ${o.label}`);
    checkNewView(r, o, res.body, 'PENDING', `poll ${o.label}`);
    if (Date.now() > deadline)
      throw new ModelViolation(`${o.label} (${o.card}) still PENDING after ${r.pollTimeoutMs} ms`, r.trace);
    await sleep(delay);
  }
}

/** Settles the declined-card orders that still hold units of these products (their stock is about to move). */
async function settleDeclinedHolding(m: ShopModel, r: ShopReal, productIds: string[]): Promise<void> {
  for (const o of m.orders) {
    if (o.status === 'PENDING' && o.card === DECLINED && o.lines.some((l) => productIds.includes(l.productId)))
      await settle(m, r, o);
  }
}

function productViewOf(p: ModelProduct) {
  const { id, sku, name, description, priceCents, currency, createdAt } = p.created;
  return { id, sku, name, description, priceCents, currency, createdAt, stock: p.stock, updatedAt: expect.any(String) };
}

/** End-of-sequence reconciliation: every order settled and as modelled, every stock exact (deleted products too). */
export async function reconcile(m: ShopModel, r: ShopReal): Promise<void> {
  for (const o of m.orders) await settle(m, r, o);
  for (const o of m.orders) {
    const res = await send(r, 'GET', `/api/orders/${o.id}`, { token: tokenOf(r, o.owner) });
    expectStatus(r, res, 200, undefined, `reconcile ${o.label}`);
    verify(r, `reconcile ${o.label}`, () => expect(res.body).toEqual(o.view));
  }
  const rows = m.products.length
    ? await r.stack.workerDeps.dataSource.getRepository(ProductEntity).findBy(m.products.map((p) => ({ id: p.id })))
    : [];
  for (const p of m.products) {
    const row = rows.find((x) => x.id === p.id);
    const held = m.orders
      .filter((o) => holdsStock(o.status))
      .reduce((n, o) => n + (o.lines.find((l) => l.productId === p.id)?.quantity ?? 0), 0);
    verify(r, `reconcile ${p.label}: stock in the database (${held} unit(s) held by PENDING/PAID/SHIPPED orders)`, () =>
      expect(row?.stock).toBe(p.stock),
    );
    verify(r, `reconcile ${p.label}: deleted in the database`, () => expect(row?.deletedAt != null).toBe(p.deleted));
    const res = await send(r, 'GET', `/api/products/${p.id}`, { token: r.admin });
    if (p.deleted) expectStatus(r, res, 404, 'NOT_FOUND', `reconcile ${p.label}`);
    else verify(r, `reconcile ${p.label} (admin read)`, () => expect(res.body).toEqual(productViewOf(p)));
  }
  for (const who of Object.keys(m.carts).map(Number)) {
    const res = await send(r, 'GET', '/api/cart', { token: tokenOf(r, who) });
    expectStatus(r, res, 200, undefined, `reconcile the cart of c${who}`);
    checkCartView(m, r, who, res.body, `reconcile the cart of c${who}`, false);
  }
}

/**
 * Before a sequence: the carts the lane's earlier sequences touched are emptied (the lane's
 * customers, and so their carts, outlive a sequence), and none may still hold a checkout.
 */
export async function resetCarts(r: ShopReal): Promise<void> {
  for (const who of [...r.cartsTouched]) {
    const res = await send(r, 'DELETE', '/api/cart', { token: tokenOf(r, who) });
    expectStatus(r, res, 200, undefined, `empty the cart of c${who} before the sequence`);
    verify(r, `the cart of c${who} before the sequence`, () =>
      expect([res.body.items, res.body.checkout]).toEqual([[], null]),
    );
    r.cartsTouched.delete(who);
  }
}

// ---- commands ----------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<ShopModel, ShopReal, false>;

abstract class ShopCommand implements Cmd {
  /** What the command did in its last run (for the report of a failing sequence). */
  protected note = '';
  abstract describe(): string;
  abstract guard(m: Readonly<ShopModel>): boolean;
  abstract act(m: ShopModel, r: ShopReal): Promise<void>;
  check(m: Readonly<ShopModel>): boolean {
    return Date.now() < m.stopAt && this.guard(m);
  }
  async run(m: ShopModel, r: ShopReal): Promise<void> {
    r.tally.commands++;
    this.note = '';
    r.trace.push(`# ${this.describe()}`);
    await this.act(m, r);
  }
  toString(): string {
    return `${this.describe()}${this.note ? ` /* ${this.note} */` : ''}`;
  }
}

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length];
const count = (r: ShopReal, event: string) => void (r.tally.events[event] = (r.tally.events[event] ?? 0) + 1);
const cardName = (c: Card) => (c === VISA ? 'visa' : 'declined');

export class CreateProduct extends ShopCommand {
  constructor(
    readonly stock: number,
    readonly priceCents: number,
  ) {
    super();
  }
  describe() {
    return `CreateProduct(stock ${this.stock}, ${this.priceCents}¢)`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.products.filter((p) => !p.deleted).length < MAX_LIVE_PRODUCTS && m.products.length < MAX_PRODUCTS;
  }
  async act(m: ShopModel, r: ShopReal) {
    const label = `p${m.products.length}`;
    const body = {
      name: `Model ${label} ${randomUUID().slice(0, 8)}`,
      description: `model-based test product ${label}`,
      priceCents: this.priceCents,
      stock: this.stock,
    };
    const res = await send(r, 'POST', '/api/products', { token: r.admin, body });
    expectStatus(r, res, 201, undefined, `create ${label}`);
    conforms(r, 'Product', res.body, `create ${label}`);
    verify(r, `create ${label}`, () => {
      expect(res.body).toEqual({
        ...body,
        id: expect.any(String),
        sku: expect.any(String),
        currency: 'USD',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.headers.get('location')).toBe(`/api/products/${res.body.id}`);
    });
    m.products.push({ label, id: res.body.id, created: res.body, stock: this.stock, deleted: false });
    this.note = `${label} = ${res.body.id}`;
  }
}

/** PUT /api/products/:id with a new stock, and sometimes a new price (orders placed before keep theirs). */
export class RestockProduct extends ShopCommand {
  constructor(
    readonly product: number,
    readonly stock: number,
    readonly priceCents: number | null,
  ) {
    super();
  }
  describe() {
    return `RestockProduct(#${this.product}, stock ${this.stock}${this.priceCents === null ? '' : `, ${this.priceCents}¢`})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.products.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const p = pick(m.products, this.product);
    this.note = p.label;
    await settleDeclinedHolding(m, r, [p.id]);
    const patch = { stock: this.stock, ...(this.priceCents === null ? {} : { priceCents: this.priceCents }) };
    const res = await send(r, 'PUT', `/api/products/${p.id}`, { token: r.admin, body: patch });
    count(
      r,
      `restock ${p.deleted ? 'deleted' : m.orders.some((o) => holdsStock(o.status) && o.lines.some((l) => l.productId === p.id)) ? 'while units are held' : 'idle'} → ${res.status}`,
    );
    if (p.deleted) return expectStatus(r, res, 404, 'NOT_FOUND', `restock deleted ${p.label}`);
    expectStatus(r, res, 200, undefined, `restock ${p.label}`);
    p.stock = this.stock;
    if (this.priceCents !== null) p.created = { ...p.created, priceCents: this.priceCents };
    verify(r, `restock ${p.label}`, () => expect(res.body).toEqual(productViewOf(p)));
  }
}

export class DeleteProduct extends ShopCommand {
  constructor(readonly product: number) {
    super();
  }
  describe() {
    return `DeleteProduct(#${this.product})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.products.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const p = pick(m.products, this.product);
    this.note = p.label;
    const res = await send(r, 'DELETE', `/api/products/${p.id}`, { token: r.admin });
    count(
      r,
      `delete ${p.deleted ? 'deleted' : m.orders.some((o) => holdsStock(o.status) && o.lines.some((l) => l.productId === p.id)) ? 'while units are held' : 'idle'} → ${res.status}`,
    );
    if (p.deleted) return expectStatus(r, res, 404, 'NOT_FOUND', `delete deleted ${p.label}`);
    expectStatus(r, res, 204, undefined, `delete ${p.label}`);
    p.deleted = true;
  }
}

export type Reader = 'anonymous' | 'customer' | 'admin';

export class ReadProduct extends ShopCommand {
  constructor(
    readonly product: number | 'unknown',
    readonly reader: Reader,
  ) {
    super();
  }
  describe() {
    return `ReadProduct(${this.product === 'unknown' ? 'unknown' : `#${this.product}`}, ${this.reader})`;
  }
  guard(m: Readonly<ShopModel>) {
    return this.product === 'unknown' || m.products.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const token = this.reader === 'admin' ? r.admin : this.reader === 'customer' ? r.customers[0].token : undefined;
    if (this.product === 'unknown') {
      const res = await send(r, 'GET', `/api/products/${randomUUID()}`, { token });
      return expectStatus(r, res, 404, 'NOT_FOUND', 'read an unknown product');
    }
    const p = pick(m.products, this.product);
    this.note = p.label;
    await settleDeclinedHolding(m, r, [p.id]);
    // Twice: the first read may fill the cache, the second may be served from it. Both exact.
    for (let i = 0; i < 2; i++) {
      const res = await send(r, 'GET', `/api/products/${p.id}`, { token });
      const cache = res.headers.get('x-cache') ?? 'none';
      r.tally.xCache[cache] = (r.tally.xCache[cache] ?? 0) + 1;
      if (p.deleted) {
        expectStatus(r, res, 404, 'NOT_FOUND', `read deleted ${p.label}`);
        continue;
      }
      expectStatus(r, res, 200, undefined, `read ${p.label}`);
      verify(r, `read ${p.label} as ${this.reader} (X-Cache: ${cache}): stock as modelled`, () =>
        expect(res.body).toEqual(productViewOf(p)),
      );
    }
  }
}

export interface LineSpec {
  /**
   * Mostly a live product (an index into the live ones); sometimes a deleted one (when there is
   * one, else a live one), or a product that never existed.
   */
  product: number | 'deleted' | 'unknown';
  quantity: number;
}

function resolveLine(m: ShopModel, l: LineSpec): string {
  if (l.product === 'unknown') return randomUUID();
  const live = m.products.filter((p) => !p.deleted);
  const deleted = m.products.filter((p) => p.deleted);
  if (l.product === 'deleted') return (deleted[0] ?? live[0]).id;
  return (live.length ? pick(live, l.product) : pick(m.products, l.product)).id;
}

type Outcome =
  | { status: 201 }
  | { status: 409; code: 'OUT_OF_STOCK'; productId: string }
  | { status: 422; code: 'UNKNOWN_PRODUCT'; productIds: string[] };

/** What the shop must answer to these lines (merged per product), given the model's stock. */
function expectedOutcome(m: ShopModel, merged: Map<string, number>): Outcome {
  const ids = [...merged.keys()];
  const missing = ids.filter((id) => !m.products.some((p) => p.id === id && !p.deleted));
  if (missing.length) return { status: 422, code: 'UNKNOWN_PRODUCT', productIds: missing.sort() };
  // Reserved in product-ID order, all or nothing: the first short line is the one reported.
  for (const id of [...ids].sort((a, b) => (a < b ? -1 : 1))) {
    if (m.products.find((p) => p.id === id)!.stock < merged.get(id)!)
      return { status: 409, code: 'OUT_OF_STOCK', productId: id };
  }
  return { status: 201 };
}

function mergeLines(items: { productId: string; quantity: number }[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const l of items)
    merged.set(l.productId.toLowerCase(), (merged.get(l.productId.toLowerCase()) ?? 0) + l.quantity);
  return merged;
}

export class PlaceOrder extends ShopCommand {
  constructor(
    readonly customer: number,
    readonly lines: LineSpec[],
    readonly card: Card,
    readonly withKey: boolean,
  ) {
    super();
  }
  describe() {
    const lines = this.lines
      .map((l) => `${typeof l.product === 'number' ? `live#${l.product}` : l.product}×${l.quantity}`)
      .join(', ');
    return `PlaceOrder(c${this.customer}, [${lines}], ${this.card === VISA ? 'visa' : 'declined'}${this.withKey ? ', with key' : ''})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.products.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const items = this.lines.map((l) => ({ productId: resolveLine(m, l), quantity: l.quantity }));
    this.note = await placeNew(
      m,
      r,
      this.customer,
      { items, paymentMethod: this.card },
      this.withKey ? `model-${randomUUID()}` : undefined,
    );
  }
}

/**
 * A POST /api/orders the model has not seen (under this key, for this customer): answered from
 * the model's stock. Returns a note for the report.
 */
async function placeNew(
  m: ShopModel,
  r: ShopReal,
  owner: number,
  body: KeyedRequest['body'],
  key: string | undefined,
): Promise<string> {
  const merged = mergeLines(body.items);
  await settleDeclinedHolding(m, r, [...merged.keys()]);
  const expected = expectedOutcome(m, merged);
  const me = r.customers[owner];
  const res = await send(r, 'POST', '/api/orders', {
    token: me.token,
    body,
    headers: key ? { 'Idempotency-Key': key } : {},
  });
  r.tally.orderOutcomes[expected.status] = (r.tally.orderOutcomes[expected.status] ?? 0) + 1;
  const label = `o${m.orders.length}`;
  if (key)
    m.keyed.push({
      label: `k${m.keyed.length}`,
      key,
      owner,
      body,
      status: res.status,
      response: res.body,
      location: res.headers.get('location'),
    });
  const stock = `stock ${m.products.map((p) => `${p.label}=${p.stock}${p.deleted ? ' (deleted)' : ''}`).join(' ')}`;

  if (expected.status === 422) {
    expectStatus(r, res, 422, 'UNKNOWN_PRODUCT', `place (${stock})`);
    verify(r, 'place: unknown products named', () =>
      expect([...res.body.details.productIds].sort()).toEqual(expected.productIds),
    );
    return '422 as modelled';
  }
  if (expected.status === 409) {
    expectStatus(r, res, 409, 'OUT_OF_STOCK', `place (${stock})`);
    verify(r, 'place: short product named', () => expect(res.body.details).toEqual({ productId: expected.productId }));
    return '409 as modelled';
  }
  expectStatus(r, res, 201, undefined, `place (${stock})`);
  const lines: ModelLine[] = [...merged].map(([productId, quantity]) => {
    const p = m.products.find((x) => x.id === productId)!;
    return { productId, name: p.created.name, unitPriceCents: p.created.priceCents, quantity };
  });
  const order: ModelOrder = {
    label,
    id: res.body.id,
    owner,
    card: body.paymentMethod,
    lines,
    status: 'PENDING',
    accepted: res.body,
  };
  conforms(r, 'Order', res.body, 'place');
  verify(r, 'place: 201 PENDING, priced from the catalog', () => {
    expect(res.body).toEqual({
      ...orderBase(r, order),
      createdAt: expect.any(String),
      status: 'PENDING',
      payment: { status: 'PENDING' },
      updatedAt: res.body.createdAt,
    });
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    if (key) {
      expect(res.body.id).toBe(orderIdFor(me.id, key));
      expect(res.headers.get('idempotent-replayed')).toBe('false');
    } else {
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
  });
  for (const l of lines) m.products.find((p) => p.id === l.productId)!.stock -= l.quantity;
  m.orders.push(order);
  return `${label} = ${order.id}`;
}

export type RepeatVariant = 'same' | 'rewritten' | 'different' | 'other-customer';

export class RepeatOrderWithSameKey extends ShopCommand {
  constructor(
    readonly request: number,
    readonly variant: RepeatVariant,
  ) {
    super();
  }
  describe() {
    return `RepeatOrderWithSameKey(#${this.request}, ${this.variant})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.keyed.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const k = pick(m.keyed, this.request);
    this.note = `${k.label}: first answered ${k.status}`;
    if (this.variant === 'other-customer') {
      // Keys are scoped per customer: the same key and body from someone else is their own
      // request (new, unless they have used this key already).
      const who = otherThan(r, k.owner);
      const theirs = m.keyed.find((x) => x.key === k.key && x.owner === who);
      count(r, `repeat other-customer (${theirs ? 'their repeat' : 'new for them'})`);
      if (!theirs) {
        this.note += `; for c${who}: ${await placeNew(m, r, who, k.body, k.key)}`;
        return;
      }
      return this.expectReplay(
        r,
        theirs,
        await send(r, 'POST', '/api/orders', {
          token: tokenOf(r, who),
          body: k.body,
          headers: { 'Idempotency-Key': k.key },
        }),
      );
    }
    const first = k.body.items;
    let items = first;
    if (this.variant === 'rewritten') {
      // The same request written differently: lines reversed, IDs upper-cased, a quantity split.
      items = [...first].reverse().flatMap((l) =>
        l.quantity > 1
          ? [
              { productId: l.productId.toUpperCase(), quantity: 1 },
              { productId: l.productId, quantity: l.quantity - 1 },
            ]
          : [{ productId: l.productId.toUpperCase(), quantity: l.quantity }],
      );
    } else if (this.variant === 'different') {
      items = first.map((l, i) =>
        i === 0 ? { ...l, quantity: l.quantity < 100 ? l.quantity + 1 : l.quantity - 1 } : l,
      );
    }
    const res = await send(r, 'POST', '/api/orders', {
      token: tokenOf(r, k.owner),
      body: { items, paymentMethod: k.body.paymentMethod },
      headers: { 'Idempotency-Key': k.key },
    });
    count(r, `repeat ${this.variant} of a ${k.status} → ${res.status}`);
    if (this.variant === 'different')
      return expectStatus(r, res, 422, 'IDEMPOTENCY_KEY_REUSED', `repeat ${k.label} with another body`);
    this.expectReplay(r, k, res);
  }
  /** Whatever happened since (paid, shipped, cancelled, restocked, repriced, deleted): the first answer, and nothing moves. */
  private expectReplay(r: ShopReal, k: KeyedRequest, res: HttpResponse) {
    verify(r, `repeat ${k.label} (${this.variant}): the first answer again`, () => {
      expect([res.status, res.body]).toEqual([k.status, k.response]);
      if (k.status === 201) {
        expect(res.headers.get('location')).toBe(k.location);
        expect(res.headers.get('idempotent-replayed')).toBe('true');
      }
    });
  }
}

export type Actor = 'owner' | 'other' | 'admin';

function actorToken(r: ShopReal, o: ModelOrder, actor: Actor): string {
  return actor === 'admin' ? r.admin : tokenOf(r, actor === 'owner' ? o.owner : otherThan(r, o.owner));
}

export class CancelOrder extends ShopCommand {
  constructor(
    readonly order: number,
    readonly actor: Actor,
    /** Wait for the payment to settle first (cancel a PAID order), or cancel whatever its state. */
    readonly afterPayment: boolean,
  ) {
    super();
  }
  describe() {
    return `CancelOrder(#${this.order}, by ${this.actor}${this.afterPayment ? ', after payment' : ''})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.orders.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const o = pick(m.orders, this.order);
    if (this.afterPayment) await settle(m, r, o);
    const before = o.status;
    this.note = `${o.label} ${before} ${o.card === VISA ? 'visa' : 'declined'}`;
    const res = await send(r, 'PUT', `/api/orders/${o.id}/cancel`, {
      token: actorToken(r, o, this.actor),
      body: { reason: 'model-based test' },
    });
    const what = `cancel ${o.label} (${before}, ${o.card}) by ${this.actor}`;
    count(r, `cancel ${this.actor === 'other' ? 'by other' : `${before}/${cardName(o.card)}`} → ${res.status}`);
    if (this.actor === 'other') return expectStatus(r, res, 404, 'NOT_FOUND', what);
    switch (before) {
      case 'CANCELLED':
        expectStatus(r, res, 200, undefined, what);
        return verify(r, `${what}: unchanged`, () => expect(res.body).toEqual(o.view));
      case 'SHIPPED':
      case 'FAILED':
        return expectStatus(r, res, 409, 'ORDER_NOT_CANCELLABLE', what);
      case 'PAID':
        break;
      case 'PENDING':
        if (o.card === DECLINED && res.status === 409) {
          // The decline came first: the order is FAILED (or about to be written so).
          expectStatus(r, res, 409, 'ORDER_NOT_CANCELLABLE', what);
          this.note += ' → declined first';
          return settle(m, r, o);
        }
        break;
    }
    expectStatus(r, res, 200, undefined, what);
    // The answer comes once the compensation is done: the units are back in stock already.
    checkNewView(r, o, res.body, 'CANCELLED', what, before);
    o.status = 'CANCELLED';
    releaseInModel(m, o, 'cancel');
  }
}

export class ShipOrder extends ShopCommand {
  constructor(
    readonly order: number,
    readonly actor: 'admin' | 'owner',
  ) {
    super();
  }
  describe() {
    return `ShipOrder(#${this.order}, by ${this.actor})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.orders.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const o = pick(m.orders, this.order);
    this.note = `${o.label} ${o.status}`;
    if (this.actor === 'owner') {
      const res = await send(r, 'PUT', `/api/orders/${o.id}/ship`, { token: tokenOf(r, o.owner) });
      return expectStatus(r, res, 403, 'FORBIDDEN', `ship ${o.label} by its owner`);
    }
    await settle(m, r, o); // only a PAID order ships: wait for the payment to settle
    const res = await send(r, 'PUT', `/api/orders/${o.id}/ship`, { token: r.admin });
    const what = `ship ${o.label} (${o.status})`;
    count(r, `ship ${o.status} → ${res.status}`);
    if (o.status === 'SHIPPED') {
      // A retried ship answers as the first one did: the shipped order, unchanged.
      expectStatus(r, res, 200, undefined, what);
      return verify(r, `${what}: unchanged`, () => expect(res.body).toEqual(o.view));
    }
    if (o.status !== 'PAID') return expectStatus(r, res, 409, 'INVALID_TRANSITION', what);
    expectStatus(r, res, 200, undefined, what);
    checkNewView(r, o, res.body, 'SHIPPED', what);
    o.status = 'SHIPPED';
  }
}

export class ReadOrder extends ShopCommand {
  constructor(
    readonly order: number,
    readonly actor: Actor,
  ) {
    super();
  }
  describe() {
    return `ReadOrder(#${this.order}, by ${this.actor})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.orders.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const o = pick(m.orders, this.order);
    this.note = `${o.label} ${o.status}`;
    const res = await send(r, 'GET', `/api/orders/${o.id}`, { token: actorToken(r, o, this.actor) });
    const what = `read ${o.label} (${o.status}) by ${this.actor}`;
    if (this.actor === 'other') return expectStatus(r, res, 404, 'NOT_FOUND', what);
    expectStatus(r, res, 200, undefined, what);
    count(r, `read order ${o.status === 'PENDING' ? `unsettled, seen ${res.body.status}` : o.status}`);
    if (o.status !== 'PENDING') return verify(r, what, () => expect(res.body).toEqual(o.view));
    if (res.body.status === 'PENDING') return checkNewView(r, o, res.body, 'PENDING', what);
    applySettled(m, r, o, res.body, what);
  }
}

// ---- the cart ------------------------------------------------------------------------------------

/** Two shipping addresses: as sent, and as the order shows them (the country upper-cased). */
export const ADDRESSES: { sent: Record<string, string>; shown: ShippingAddress }[] = [
  {
    sent: { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'gb' },
    shown: { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  },
  {
    sent: {
      name: 'Grace Hopper',
      line1: '1 Navy Yard',
      line2: 'Building 4',
      city: 'Arlington',
      postalCode: '22202',
      region: 'VA',
      country: 'US',
      phone: '+1 555 0100',
    },
    shown: {
      name: 'Grace Hopper',
      line1: '1 Navy Yard',
      line2: 'Building 4',
      city: 'Arlington',
      postalCode: '22202',
      region: 'VA',
      country: 'US',
      phone: '+1 555 0100',
    },
  },
];
const shownAddress = (sent: Record<string, string>) => ADDRESSES.find((a) => a.sent === sent)!.shown;

const cartOf = (m: ShopModel, who: number): ModelCart => (m.carts[who] ??= { lines: [] });

/** The lines with `productId` set to `quantity` (0 removes it); a new line goes last. */
function setLine(lines: ModelCart['lines'], productId: string, quantity: number): ModelCart['lines'] {
  const rest = lines.filter((l) => l.productId !== productId);
  if (quantity === 0) return rest;
  return lines.some((l) => l.productId === productId)
    ? lines.map((l) => (l.productId === productId ? { productId, quantity } : l))
    : [...lines, { productId, quantity }];
}

const sameCartLines = (a: ModelCart['lines'], b: ModelCart['lines']) => JSON.stringify(a) === JSON.stringify(b);

/** The cart's items as the catalog has them now (the model's products, and the fillers). */
function cartItems(m: ShopModel, r: ShopReal, lines: ModelCart['lines']) {
  return lines.map(({ productId, quantity }) => {
    const filler = r.fillers.find((f) => f.id === productId);
    const p = m.products.find((x) => x.id === productId && !x.deleted);
    const name = filler?.name ?? p?.created.name ?? '';
    const unitPriceCents = filler?.priceCents ?? p?.created.priceCents ?? 0;
    const available = !!filler || (!!p && p.stock >= quantity);
    return { productId, name, unitPriceCents, quantity, lineTotalCents: unitPriceCents * quantity, available };
  });
}

/**
 * Checks a cart answer against the model: the lines priced now, the total of the available
 * ones, no checkout left pending (every checkout of the model has had its answer), and an
 * updatedAt that moves exactly when the lines changed.
 */
function checkCartView(m: ShopModel, r: ShopReal, who: number, body: any, what: string, changed: boolean): void {
  conforms(r, 'Cart', body, what);
  const cart = cartOf(m, who);
  const items = cartItems(m, r, cart.lines);
  const prev = cart.updatedAt;
  const updatedAt = changed
    ? typeof prev === 'string'
      ? later(prev)
      : expect.any(String)
    : prev === undefined
      ? body?.updatedAt
      : prev;
  verify(
    r,
    `${what} (cart of c${who}: ${cart.lines.map((l) => `${l.productId.slice(0, 8)}×${l.quantity}`).join(', ')})`,
    () =>
      expect(body).toEqual({
        items,
        totalCents: items.reduce((n, i) => n + (i.available ? i.lineTotalCents : 0), 0),
        currency: 'USD',
        updatedAt,
        checkout: null,
      }),
  );
  if (changed && typeof prev === 'string' && body.updatedAt === prev) {
    // Allowed (two changes within one millisecond), but worth seeing in the coverage.
    count(r, 'cart changed within the same millisecond');
  }
  cart.updatedAt = body.updatedAt;
}

/** Settles the declined orders holding units of the cart's products (availability depends on their stock). */
const settleForCart = (m: ShopModel, r: ShopReal, who: number, extra: string[] = []) =>
  settleDeclinedHolding(m, r, [...cartOf(m, who).lines.map((l) => l.productId), ...extra]);

export type CartVia = 'put' | 'delete';

/** PUT /api/cart/items/:productId {quantity} (0 removes), or DELETE /api/cart/items/:productId. */
export class SetCartItem extends ShopCommand {
  constructor(
    readonly customer: number,
    readonly product: LineSpec['product'],
    readonly quantity: number,
    readonly via: CartVia,
    readonly upperCase: boolean,
  ) {
    super();
  }
  describe() {
    const p = typeof this.product === 'number' ? `live#${this.product}` : this.product;
    return this.via === 'delete'
      ? `RemoveCartItem(c${this.customer}, ${p}${this.upperCase ? ', ID upper-cased' : ''})`
      : `SetCartItem(c${this.customer}, ${p}×${this.quantity}${this.upperCase ? ', ID upper-cased' : ''})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.products.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const who = this.customer;
    const productId = resolveLine(m, { product: this.product, quantity: 1 });
    const quantity = this.via === 'delete' ? 0 : this.quantity;
    const cart = cartOf(m, who);
    r.cartsTouched.add(who);
    await settleForCart(m, r, who, [productId]);
    const path = `/api/cart/items/${this.upperCase ? productId.toUpperCase() : productId}`;
    const token = tokenOf(r, who);
    const res =
      this.via === 'delete'
        ? await send(r, 'DELETE', path, { token })
        : await send(r, 'PUT', path, { token, body: { quantity } });
    const what = `${this.describe()}`;
    const live = m.products.some((p) => p.id === productId && !p.deleted);
    const isNew = !cart.lines.some((l) => l.productId === productId);
    this.note = `${m.products.find((p) => p.id === productId)?.label ?? 'unknown'}, cart of ${cart.lines.length} line(s)`;
    if (quantity > CART_LIMITS.maxUnitsPerLine) {
      count(r, `cart set ${quantity} units → ${res.status}`);
      return expectStatus(r, res, 400, 'VALIDATION_FAILED', what);
    }
    if (quantity > 0 && !live) {
      count(r, `cart set ${this.product === 'unknown' ? 'unknown' : 'deleted'} product → ${res.status}`);
      expectStatus(r, res, 422, 'UNKNOWN_PRODUCT', what);
      return verify(r, `${what}: the product named`, () =>
        expect(res.body.details).toEqual({ productIds: [productId] }),
      );
    }
    if (quantity > 0 && isNew && cart.lines.length >= CART_LIMITS.maxLines) {
      count(r, `cart set a new line at the limit → ${res.status}`);
      return expectStatus(r, res, 409, 'CART_LINE_LIMIT', what);
    }
    count(
      r,
      `cart ${this.via === 'delete' ? 'remove' : quantity === 0 ? 'set 0' : isNew ? 'add' : 'change'}${isNew && quantity === 0 ? ' (absent)' : ''} → ${res.status}`,
    );
    expectStatus(r, res, 200, undefined, what);
    const lines = setLine(cart.lines, productId, quantity);
    const changed = !sameCartLines(lines, cart.lines);
    cart.lines = lines;
    checkCartView(m, r, who, res.body, what, changed);
  }
}

/** DELETE /api/cart. */
export class ClearCart extends ShopCommand {
  constructor(readonly customer: number) {
    super();
  }
  describe() {
    return `ClearCart(c${this.customer})`;
  }
  guard() {
    return true;
  }
  async act(m: ShopModel, r: ShopReal) {
    const cart = cartOf(m, this.customer);
    r.cartsTouched.add(this.customer);
    const res = await send(r, 'DELETE', '/api/cart', { token: tokenOf(r, this.customer) });
    count(r, `cart clear ${cart.lines.length ? 'full' : 'empty'} → ${res.status}`);
    expectStatus(r, res, 200, undefined, this.describe());
    const changed = cart.lines.length > 0;
    cart.lines = [];
    checkCartView(m, r, this.customer, res.body, this.describe(), changed);
  }
}

export type CartReader = 'owner' | 'admin' | 'anonymous';

/** GET /api/cart: the owner's cart; an admin has none (403); anonymous is 401. */
export class ReadCart extends ShopCommand {
  constructor(
    readonly customer: number,
    readonly reader: CartReader,
  ) {
    super();
  }
  describe() {
    return `ReadCart(c${this.customer}, ${this.reader})`;
  }
  guard() {
    return true;
  }
  async act(m: ShopModel, r: ShopReal) {
    if (this.reader === 'anonymous')
      return expectStatus(r, await send(r, 'GET', '/api/cart'), 401, 'UNAUTHORIZED', 'read a cart anonymously');
    if (this.reader === 'admin')
      return expectStatus(r, await send(r, 'GET', '/api/cart', { token: r.admin }), 403, 'FORBIDDEN', 'admin cart');
    await settleForCart(m, r, this.customer);
    const res = await send(r, 'GET', '/api/cart', { token: tokenOf(r, this.customer) });
    count(r, `cart read (${cartOf(m, this.customer).lines.length ? 'lines' : 'empty'})`);
    expectStatus(r, res, 200, undefined, this.describe());
    checkCartView(m, r, this.customer, res.body, this.describe(), false);
  }
}

/** POST /api/cart/checkout, with or without an Idempotency-Key. */
export class Checkout extends ShopCommand {
  constructor(
    readonly customer: number,
    readonly card: Card,
    readonly withKey: boolean,
    readonly address: number,
    /** Check out an empty cart too (else only a cart with lines: most are worth an order). */
    readonly evenIfEmpty: boolean,
  ) {
    super();
  }
  describe() {
    return `Checkout(c${this.customer}, ${cardName(this.card)}, address ${this.address}${this.withKey ? ', with key' : ''})`;
  }
  guard(m: Readonly<ShopModel>) {
    return this.evenIfEmpty || (m.carts[this.customer]?.lines.length ?? 0) > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    const body = { paymentMethod: this.card, shippingAddress: ADDRESSES[this.address].sent };
    this.note = await checkoutNew(m, r, this.customer, body, this.withKey ? `model-cart-${randomUUID()}` : undefined);
  }
}

/**
 * A checkout the cart does not remember under this key (a new key, one whose earlier answers
 * were refusals, or none): answered from the model's cart and stock. Then the cart is read: it
 * is emptied only when the order was accepted, and holds no checkout either way.
 */
async function checkoutNew(
  m: ShopModel,
  r: ShopReal,
  owner: number,
  body: CheckoutBody,
  key: string | undefined,
): Promise<string> {
  const cart = cartOf(m, owner);
  r.cartsTouched.add(owner);
  await settleForCart(m, r, owner);
  const items = cartItems(m, r, cart.lines);
  const me = r.customers[owner];
  const res = await send(r, 'POST', '/api/cart/checkout', {
    token: me.token,
    body,
    headers: key ? { 'Idempotency-Key': key } : {},
  });
  if (key) {
    const answer = { status: res.status, response: res.body, location: res.headers.get('location') };
    const known = m.checkouts.find((k) => k.key === key && k.owner === owner);
    if (known) Object.assign(known, { body, ...answer });
    else m.checkouts.push({ label: `ck${m.checkouts.length}`, key, owner, body, ...answer });
  }
  const what = `checkout c${owner} (${items.map((i) => `${i.productId.slice(0, 8)}×${i.quantity}${i.available ? '' : ' unavailable'}`).join(', ') || 'empty'})`;
  let note: string;
  let accepted = false;
  if (!cart.lines.length) {
    count(r, `checkout empty → ${res.status}`);
    expectStatus(r, res, 409, 'CART_EMPTY', what);
    note = '409 CART_EMPTY as modelled';
  } else if (items.some((i) => !i.available)) {
    count(r, `checkout unavailable → ${res.status}`);
    expectStatus(r, res, 409, 'OUT_OF_STOCK', what);
    verify(r, `${what}: the lines not available named`, () =>
      expect(res.body.details).toEqual({ lines: items.filter((i) => !i.available) }),
    );
    note = '409 OUT_OF_STOCK as modelled';
  } else {
    count(r, `checkout ${cardName(body.paymentMethod)}${key ? ' keyed' : ''} → ${res.status}`);
    expectStatus(r, res, 201, undefined, what);
    const order: ModelOrder = {
      label: `o${m.orders.length}`,
      id: res.body.id,
      owner,
      card: body.paymentMethod,
      lines: items.map((i) => ({
        productId: i.productId,
        name: i.name,
        unitPriceCents: i.unitPriceCents,
        quantity: i.quantity,
      })),
      status: 'PENDING',
      accepted: res.body,
      shippingAddress: shownAddress(body.shippingAddress),
    };
    conforms(r, 'Order', res.body, what);
    verify(r, `${what}: 201 PENDING, the cart's lines priced from the catalog, with the address`, () => {
      expect(res.body).toEqual({
        ...orderBase(r, order),
        createdAt: expect.any(String),
        status: 'PENDING',
        payment: { status: 'PENDING' },
        updatedAt: res.body.createdAt,
      });
      expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
      if (key) {
        expect(res.body.id).toBe(checkoutOrderIdFor(me.id, key));
        expect(res.headers.get('idempotent-replayed')).toBe('false');
      } else {
        expect(res.headers.get('idempotent-replayed')).toBeNull();
      }
    });
    for (const l of order.lines) m.products.find((p) => p.id === l.productId)!.stock -= l.quantity;
    m.orders.push(order);
    cart.lines = [];
    accepted = true;
    note = `${order.label} = ${order.id}`;
  }
  const after = await send(r, 'GET', '/api/cart', { token: me.token });
  expectStatus(r, after, 200, undefined, `the cart after ${what}`);
  checkCartView(
    m,
    r,
    owner,
    after.body,
    `the cart after ${what} → ${res.status}: ${accepted ? 'emptied' : 'unchanged'}`,
    accepted,
  );
  return note;
}

export type CheckoutRepeat = 'same' | 'other-address' | 'other-card';

/** POST /api/cart/checkout again with a key already used: the same request, or another body. */
export class RepeatCheckoutWithSameKey extends ShopCommand {
  constructor(
    readonly checkout: number,
    readonly variant: CheckoutRepeat,
  ) {
    super();
  }
  describe() {
    return `RepeatCheckoutWithSameKey(#${this.checkout}, ${this.variant})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.checkouts.length > 0;
  }
  async act(m: ShopModel, r: ShopReal) {
    // Every other pick among the accepted ones (a repeat of a refusal is just another checkout).
    const accepted = m.checkouts.filter((c) => c.status === 201);
    const k =
      accepted.length && this.checkout % 2 === 0
        ? pick(accepted, this.checkout >> 1)
        : pick(m.checkouts, this.checkout);
    const body: CheckoutBody =
      this.variant === 'same'
        ? k.body
        : this.variant === 'other-card'
          ? { ...k.body, paymentMethod: k.body.paymentMethod === VISA ? DECLINED : VISA }
          : {
              ...k.body,
              shippingAddress: ADDRESSES.find((a) => a.sent !== k.body.shippingAddress)!.sent,
            };
    this.note = `${k.label}: last answered ${k.status}`;
    if (k.status !== 201) {
      // Refused (empty, out of stock): the cart keeps no answer for the key, so this is a checkout
      // of the cart as it is now.
      count(r, `checkout repeat ${this.variant} of a ${k.status}`);
      this.note += `; now: ${await checkoutNew(m, r, k.owner, body, k.key)}`;
      return;
    }
    const token = tokenOf(r, k.owner);
    await settleForCart(m, r, k.owner);
    const res = await send(r, 'POST', '/api/cart/checkout', { token, body, headers: { 'Idempotency-Key': k.key } });
    count(r, `checkout repeat ${this.variant} of a 201 → ${res.status}`);
    const what = `repeat ${k.label} (${this.variant})`;
    if (this.variant !== 'same') expectStatus(r, res, 422, 'IDEMPOTENCY_KEY_REUSED', what);
    else
      verify(r, `${what}: the first answer again`, () => {
        expect([res.status, res.body]).toEqual([k.status, k.response]);
        expect(res.headers.get('location')).toBe(k.location);
        expect(res.headers.get('idempotent-replayed')).toBe('true');
      });
    // Whatever the cart holds now (lines added since) stays: the order took its lines once.
    const after = await send(r, 'GET', '/api/cart', { token });
    expectStatus(r, after, 200, undefined, `the cart after ${what}`);
    checkCartView(m, r, k.owner, after.body, `the cart after ${what}: unchanged`, false);
  }
}

/**
 * Takes a cart to its line limit with filler products, checks the limit (a new product is 409
 * CART_LINE_LIMIT, an existing line still changes, up to the per-line limit), then takes the
 * fillers out again.
 */
export class FillCart extends ShopCommand {
  constructor(readonly customer: number) {
    super();
  }
  describe() {
    return `FillCart(c${this.customer})`;
  }
  guard(m: Readonly<ShopModel>) {
    return m.mayFillCart;
  }
  async act(m: ShopModel, r: ShopReal) {
    m.mayFillCart = false;
    const who = this.customer;
    const cart = cartOf(m, who);
    r.cartsTouched.add(who);
    await settleForCart(m, r, who);
    const token = tokenOf(r, who);
    const room = CART_LIMITS.maxLines - cart.lines.length;
    const used = r.fillers.slice(0, room);
    const spare = r.fillers[room];
    this.note = `${cart.lines.length} line(s) + ${room} fillers`;
    const put = async (productId: string, quantity: number) =>
      send(r, 'PUT', `/api/cart/items/${productId}`, { token, body: { quantity } });
    for (const [i, f] of used.entries()) {
      const res = await put(f.id, 1);
      expectStatus(r, res, 200, undefined, `fill c${who}: filler ${i}`);
      cart.lines = setLine(cart.lines, f.id, 1);
      if (res.body.items?.length !== cart.lines.length)
        throw new ModelViolation(
          `fill c${who}: ${res.body.items?.length} lines, expected ${cart.lines.length}`,
          r.trace,
        );
      cart.updatedAt = res.body.updatedAt;
    }
    const full = await send(r, 'GET', '/api/cart', { token });
    expectStatus(r, full, 200, undefined, `fill c${who}: read at the limit`);
    checkCartView(m, r, who, full.body, `fill c${who}: read at the limit`, false);
    // A new product, the spare filler or one of the model's, is refused; the cart is unchanged.
    expectStatus(r, await put(spare.id, 1), 409, 'CART_LINE_LIMIT', `fill c${who}: a new line past the limit`);
    const outside = m.products.find((p) => !p.deleted && !cart.lines.some((l) => l.productId === p.id));
    if (outside)
      expectStatus(
        r,
        await put(outside.id, 2),
        409,
        'CART_LINE_LIMIT',
        `fill c${who}: ${outside.label} past the limit`,
      );
    // Removing a line that is not there is fine at the limit; an existing line goes to the per-line maximum, not past it.
    const absent = await send(r, 'DELETE', `/api/cart/items/${spare.id}`, { token });
    expectStatus(r, absent, 200, undefined, `fill c${who}: remove a line that is not there`);
    checkCartView(m, r, who, absent.body, `fill c${who}: remove a line that is not there`, false);
    const max = await put(used[0].id, CART_LIMITS.maxUnitsPerLine);
    expectStatus(r, max, 200, undefined, `fill c${who}: a line to ${CART_LIMITS.maxUnitsPerLine} units at the limit`);
    cart.lines = setLine(cart.lines, used[0].id, CART_LIMITS.maxUnitsPerLine);
    checkCartView(m, r, who, max.body, `fill c${who}: a line to the per-line maximum`, true);
    expectStatus(
      r,
      await put(used[0].id, CART_LIMITS.maxUnitsPerLine + 1),
      400,
      'VALIDATION_FAILED',
      `fill c${who}: past the per-line maximum`,
    );
    count(r, `cart filled to ${CART_LIMITS.maxLines} lines (${room} fillers)`);
    for (const f of used) {
      const res = await send(r, 'DELETE', `/api/cart/items/${f.id}`, { token });
      expectStatus(r, res, 200, undefined, `fill c${who}: take filler out`);
      cart.lines = setLine(cart.lines, f.id, 0);
      cart.updatedAt = res.body.updatedAt;
    }
    const after = await send(r, 'GET', '/api/cart', { token });
    expectStatus(r, after, 200, undefined, `fill c${who}: read after`);
    checkCartView(m, r, who, after.body, `fill c${who}: the fillers taken out again`, false);
  }
}

// ---- arbitraries -------------------------------------------------------------------------------

const index = fc.nat({ max: 11 });
const customer = fc.nat({ max: 2 });
/** Carts mostly of one customer: enough lines gather in a cart to check it out. */
const cartCustomer = fc.constantFrom(0, 0, 0, 1, 2);
const card = fc.constantFrom<Card>(VISA, VISA, DECLINED);
const line = fc.record({
  product: fc.oneof(
    { weight: 20, arbitrary: index },
    { weight: 1, arbitrary: fc.constant('deleted' as const) },
    { weight: 1, arbitrary: fc.constant('unknown' as const) },
  ),
  quantity: fc.integer({ min: 1, max: 5 }),
});
/** Mostly a few units; sometimes 0 (removes), the per-line maximum, or one past it. */
const cartQuantity = fc.oneof(
  { weight: 14, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(CART_LIMITS.maxUnitsPerLine) },
  { weight: 1, arbitrary: fc.constant(CART_LIMITS.maxUnitsPerLine + 1) },
);
const weighted = (weight: number, arbitrary: fc.Arbitrary<Cmd>) => ({ weight, arbitrary });

/** The command mix, weighted: orders are what most commands act on. */
export function shopCommands(): fc.Arbitrary<Cmd>[] {
  return [
    fc.oneof(
      weighted(
        2,
        fc
          .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9999 }))
          .map(([s, p]) => new CreateProduct(s, p)),
      ),
      weighted(
        2,
        fc
          .tuple(
            index,
            fc.integer({ min: 0, max: 12 }),
            fc.oneof(
              { weight: 2, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fc.integer({ min: 1, max: 9999 }) },
            ),
          )
          .map(([p, s, price]) => new RestockProduct(p, s, price)),
      ),
      weighted(
        1,
        index.map((p) => new DeleteProduct(p)),
      ),
      weighted(
        8,
        fc
          .tuple(customer, fc.array(line, { minLength: 1, maxLength: 2 }), card, fc.boolean())
          .map(([c, l, k, key]) => new PlaceOrder(c, l, k, key)),
      ),
      weighted(
        2,
        fc
          .tuple(index, fc.constantFrom<RepeatVariant>('same', 'rewritten', 'different', 'other-customer'))
          .map(([k, v]) => new RepeatOrderWithSameKey(k, v)),
      ),
      weighted(
        4,
        fc
          .tuple(index, fc.constantFrom<Actor>('owner', 'owner', 'admin', 'other'), fc.boolean())
          .map(([o, a, after]) => new CancelOrder(o, a, after)),
      ),
      weighted(
        3,
        fc
          .tuple(index, fc.constantFrom<'admin' | 'owner'>('admin', 'admin', 'admin', 'owner'))
          .map(([o, a]) => new ShipOrder(o, a)),
      ),
      weighted(
        3,
        fc.tuple(index, fc.constantFrom<Actor>('owner', 'admin', 'other')).map(([o, a]) => new ReadOrder(o, a)),
      ),
      weighted(
        3,
        fc
          .tuple(
            fc.oneof({ weight: 8, arbitrary: index }, { weight: 1, arbitrary: fc.constant('unknown' as const) }),
            fc.constantFrom<Reader>('anonymous', 'anonymous', 'customer', 'admin'),
          )
          .map(([p, who]) => new ReadProduct(p, who)),
      ),
      weighted(
        7,
        fc
          .tuple(
            cartCustomer,
            line.map((l) => l.product),
            cartQuantity,
            fc.constantFrom<CartVia>('put', 'put', 'put', 'put', 'delete'),
            fc.constantFrom(false, false, false, false, true),
          )
          .map(([c, p, q, via, upper]) => new SetCartItem(c, p, q, via, upper)),
      ),
      weighted(
        1,
        cartCustomer.map((c) => new ClearCart(c)),
      ),
      weighted(
        2,
        fc
          .tuple(cartCustomer, fc.constantFrom<CartReader>('owner', 'owner', 'owner', 'admin', 'anonymous'))
          .map(([c, who]) => new ReadCart(c, who)),
      ),
      weighted(
        4,
        fc
          .tuple(
            cartCustomer,
            card,
            fc.boolean(),
            fc.nat({ max: ADDRESSES.length - 1 }),
            fc.constantFrom(false, false, false, true),
          )
          .map(([c, k, key, a, empty]) => new Checkout(c, k, key, a, empty)),
      ),
      weighted(
        2,
        fc
          .tuple(index, fc.constantFrom<CheckoutRepeat>('same', 'same', 'other-address', 'other-card'))
          .map(([k, v]) => new RepeatCheckoutWithSameKey(k, v)),
      ),
      weighted(
        1,
        cartCustomer.map((c) => new FillCart(c)),
      ),
    ),
  ];
}
