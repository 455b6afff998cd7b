// Negative control for the pending checkout: the cart that drops a pending checkout at its
// deadline without looking its order up (no checkoutOrderState local activity). Replaying the
// pending-checkout history against it must fail; the histories recorded before pending
// checkouts existed never reach that step and still replay.
import { CartProcess } from '../../../workflows/carts/cart-process';
import type { CartInput, CartResult } from '../../../workflows/carts/contract';

const unsettled = CartProcess.prototype as unknown as { settle: () => Promise<void>; state: { pending: unknown } };
unsettled.settle = async function (this: typeof unsettled) {
  this.state.pending = null;
};

export async function cart(input: CartInput): Promise<CartResult> {
  const entity = new CartProcess(input);
  entity.setup();
  return await entity.run();
}
