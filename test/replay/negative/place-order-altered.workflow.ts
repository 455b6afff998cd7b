// Negative control of the replay test: placeOrder with a deliberately incompatible change (a
// durable timer before intake, as a naive "wait for the fraud check" would add). Replaying
// any committed history against this must fail with a DeterminismViolationError; if it does
// not, the replay test is not checking anything.
import { sleep } from '@temporalio/workflow';
import type { PlaceOrderInput, PlaceOrderResult } from '../../../workflows/orders/contract';
import { placeOrder as currentPlaceOrder } from '../../../workflows/orders/place-order.workflow';

export async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
  await sleep('1 second');
  return currentPlaceOrder(input);
}
