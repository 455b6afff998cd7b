// placeOrder: one durable workflow per order (ID `order-<orderId>`), from the request to
// SHIPPED, CANCELLED or FAILED. The steps are in order-process.ts, the Web UI's text in
// order-details.ts, the activities with their timeouts and retries in order-activity-options.ts.
//
// A Temporal cancellation request (the Web UI's "Request cancellation", `temporal workflow
// cancel`) is honoured like a cancelOrder from the system: the process runs in a
// non-cancellable scope, so it is never abandoned halfway with stock held or money captured.
//
// History stays small and bounded (a handful of activities, timers and updates; repeated
// requests are deduplicated by update ID and answered by the gateway from the order row once it
// exists), so the workflow never needs continue-as-new, even when an order waits weeks for
// shipment.
import { CancellationScope } from '@temporalio/workflow';
import type { PlaceOrderInput, PlaceOrderResult } from './contract';
import { OrderProcess } from './order-process';

export async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const order = new OrderProcess(input);
  order.setup();
  return await CancellationScope.nonCancellable(() => order.run());
}
