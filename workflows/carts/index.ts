// The carts domain's workflows (bundled into the orders pool: the cart runs on its queue).
export { cart } from './cart.workflow';
