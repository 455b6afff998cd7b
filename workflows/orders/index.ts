// The orders worker's workflow bundle entry point.
export { placeOrder } from './place-order.workflow';
// The cart runs on the orders queue (workflows/carts/contract.ts says why).
export { cart } from '../carts';
// A rejected order's event is published by a durable child on this queue.
export { publishIntegrationEvent } from '../shared/publish-event.workflow';
