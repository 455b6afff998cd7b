// The orders worker's workflow bundle entry point.
export { placeOrder } from './place-order.workflow';
