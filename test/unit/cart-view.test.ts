// The cart's pure arithmetic (workflows/carts/cart-view.ts), shared by the workflow and the
// gateway, and the reminder's e-mail hand-off.
import { priceCart, sameLines, withQuantity, withoutOrdered } from '../../workflows/carts/cart-view';
import { emailStart } from '../../workflows/notifications/contract';
import { renderEmail } from '../../activities/notifications/email-templates';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const product = (productId: string, priceCents: number, stock: number) => ({
  productId,
  name: `P ${productId.slice(0, 1)}`,
  priceCents,
  currency: 'EUR',
  stock,
});

describe('priceCart', () => {
  it('prices each line from the quote and totals the available ones', () => {
    const view = priceCart(
      {
        lines: [
          { productId: A, quantity: 2 },
          { productId: B, quantity: 5 },
        ],
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
      { products: [product(A, 150, 10), product(B, 100, 4)] },
      'USD',
    );
    expect(view).toEqual({
      items: [
        { productId: A, name: 'P a', unitPriceCents: 150, quantity: 2, lineTotalCents: 300, available: true },
        { productId: B, name: 'P b', unitPriceCents: 100, quantity: 5, lineTotalCents: 500, available: false },
      ],
      totalCents: 300,
      currency: 'EUR',
      updatedAt: '2026-01-01T00:00:00.000Z',
      checkout: null,
    });
  });

  it('shows a product missing from the quote as gone, and an empty cart in the shop currency', () => {
    expect(priceCart({ lines: [{ productId: A, quantity: 1 }], updatedAt: null }, { products: [] }, 'USD')).toEqual({
      items: [{ productId: A, name: '', unitPriceCents: 0, quantity: 1, lineTotalCents: 0, available: false }],
      totalCents: 0,
      currency: 'USD',
      updatedAt: null,
      checkout: null,
    });
    expect(priceCart({ lines: [], updatedAt: null }, { products: [] }, 'USD').items).toEqual([]);
  });

  it('carries the pending checkout of the snapshot into the view', () => {
    const checkout = { status: 'PENDING' as const, orderId: B, since: '2026-01-01T00:00:00.000Z' };
    expect(priceCart({ lines: [], updatedAt: null, checkout }, { products: [] }, 'USD').checkout).toEqual(checkout);
  });
});

describe('line changes', () => {
  const lines = [
    { productId: A, quantity: 2 },
    { productId: B, quantity: 1 },
  ];

  it('sets, adds last, and removes with 0 (removing a missing line changes nothing)', () => {
    expect(withQuantity(lines, A, 5)).toEqual([
      { productId: A, quantity: 5 },
      { productId: B, quantity: 1 },
    ]);
    expect(withQuantity([lines[1]], A, 1)).toEqual([lines[1], { productId: A, quantity: 1 }]);
    expect(withQuantity(lines, A, 0)).toEqual([lines[1]]);
    expect(sameLines(withQuantity([lines[1]], A, 0), [lines[1]])).toBe(true);
  });

  it('takes out what an order took, keeping what was added since', () => {
    expect(withoutOrdered(lines, lines)).toEqual([]);
    expect(withoutOrdered([{ productId: A, quantity: 3 }, lines[1]], [{ productId: A, quantity: 2 }])).toEqual([
      { productId: A, quantity: 1 },
      lines[1],
    ]);
  });
});

describe('the abandoned-cart reminder', () => {
  it('is one sendEmail per cart content, keyed by user and content', () => {
    expect(emailStart({ template: 'cart-reminder', userId: A, contentKey: 'k-3', data: { units: 2 } })).toEqual({
      workflowId: `email-cart-reminder-${A}-k-3`,
      taskQueue: 'notifications',
      args: [{ messageKey: `cart-reminder:${A}:k-3`, template: 'cart-reminder', userId: A, data: { units: 2 } }],
    });
    expect(renderEmail('cart-reminder', 'Ada', { units: 2 })).toEqual({
      subject: 'Your cart is waiting',
      text: 'Hello Ada,\n\nyou left 2 item(s) in your cart. They are still there when you come back.\n',
    });
  });
});
