// Negative control for the cart replay test: the cart with an incompatible change (it quotes
// the catalog before its first timer). Replaying real cart histories against it must fail.
import { proxyActivities } from '@temporalio/workflow';
import type { CartQuoteActivities } from '../../../activities/carts/cart-quote.activities';
import { CartProcess } from '../../../workflows/carts/cart-process';
import type { CartInput, CartResult } from '../../../workflows/carts/contract';

const { quoteCart } = proxyActivities<CartQuoteActivities>({ taskQueue: 'catalog', startToCloseTimeout: '5s' });

export async function cart(input: CartInput): Promise<CartResult> {
  const entity = new CartProcess(input);
  entity.setup();
  await quoteCart({ productIds: [] });
  return await entity.run();
}
