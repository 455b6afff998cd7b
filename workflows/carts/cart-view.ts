// Pure cart arithmetic, shared by the workflow (checkout's availability check) and the gateway
// (the cart view): the lines as the customer left them, priced as the catalog has them now.
import type { CartLine, CartQuote, CartSnapshot, CartView } from './contract';

/** The priced view of a cart. A product missing from the quote is gone: unavailable, priced 0. */
export function priceCart(
  snapshot: Pick<CartSnapshot, 'lines' | 'updatedAt' | 'checkout'>,
  quote: CartQuote,
  currency: string,
): CartView {
  const byId = new Map(quote.products.map((p) => [p.productId, p]));
  const items = snapshot.lines.map((line) => {
    const product = byId.get(line.productId);
    const unitPriceCents = product?.priceCents ?? 0;
    return {
      productId: line.productId,
      name: product?.name ?? '',
      unitPriceCents,
      quantity: line.quantity,
      lineTotalCents: unitPriceCents * line.quantity,
      available: product !== undefined && product.stock >= line.quantity,
    };
  });
  return {
    items,
    // Only what can be bought counts: the total is what checkout would charge.
    totalCents: items.reduce((sum, i) => sum + (i.available ? i.lineTotalCents : 0), 0),
    currency: quote.products[0]?.currency ?? currency,
    updatedAt: snapshot.updatedAt,
    checkout: snapshot.checkout ?? null,
  };
}

/** The lines with `productId` set to `quantity` (0 removes it); a new line goes last. */
export function withQuantity(lines: readonly CartLine[], productId: string, quantity: number): CartLine[] {
  const i = lines.findIndex((l) => l.productId === productId);
  if (quantity === 0) return i < 0 ? [...lines] : lines.filter((_, j) => j !== i);
  if (i < 0) return [...lines, { productId, quantity }];
  return lines.map((l, j) => (j === i ? { productId, quantity } : l));
}

/** The lines minus what an order took (a line added or raised since checkout began stays). */
export function withoutOrdered(lines: readonly CartLine[], ordered: readonly CartLine[]): CartLine[] {
  const taken = new Map<string, number>();
  for (const l of ordered) taken.set(l.productId, (taken.get(l.productId) ?? 0) + l.quantity);
  return lines
    .map((l) => ({ productId: l.productId, quantity: l.quantity - (taken.get(l.productId) ?? 0) }))
    .filter((l) => l.quantity > 0);
}

export const sameLines = (a: readonly CartLine[], b: readonly CartLine[]): boolean =>
  a.length === b.length && a.every((l, i) => l.productId === b[i].productId && l.quantity === b[i].quantity);
