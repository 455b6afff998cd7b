// cart: one durable workflow per customer (ID `cart-<userId>`), started by the gateway's first
// update with update-with-start. It holds the lines, answers setCartItem, clearCart, checkout,
// completeCheckout and getCart, reminds an idle customer once per content, ends when idle for
// CART_EXPIRY_MS, and continues as new before its history grows past CART_MAX_HISTORY_EVENTS.
// The steps are in cart-process.ts; the order itself is placed by the gateway through the same
// placeOrder path as POST /api/orders (api/carts/carts.commands.ts).
import { CartProcess } from './cart-process';
import type { CartInput, CartResult } from './contract';

export async function cart(input: CartInput): Promise<CartResult> {
  const entity = new CartProcess(input);
  entity.setup();
  return await entity.run();
}
