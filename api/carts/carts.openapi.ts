// The /api/cart operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { bearer, header, jsonBody, jsonResponse, problemResponse, retryAfter } from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { orderSchema } from '../orders/orders.output';
import { idempotencyKeySchema } from '../shared/idempotency-key';
import { cartItemParams, checkoutSchema, setCartItemSchema } from './carts.input';
import { cartSchema } from './carts.output';

const cartResponses: Record<string, ResponseConfig> = {
  '401': problemResponse('Unauthorized'),
  '403': problemResponse('Only customer accounts have a cart'),
  '429': problemResponse('Rate limited'),
  '503': problemResponse(
    'TEMPORAL_UNAVAILABLE, DATABASE_UNAVAILABLE or STILL_PROCESSING: repeat the request',
    retryAfter,
  ),
};

export function registerCartsOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/cart',
    tags: ['cart'],
    operationId: 'getCart',
    summary: "The caller's cart, priced as the catalog has it now (an empty cart when there is none)",
    security: bearer,
    responses: { '200': jsonResponse('The cart', cartSchema), ...cartResponses },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/cart/items/{productId}',
    tags: ['cart'],
    operationId: 'setCartItem',
    summary: 'Set the quantity of a product in the cart (0 removes it); creates the cart on first use',
    security: bearer,
    request: { params: cartItemParams, body: jsonBody(setCartItemSchema) },
    responses: {
      '200': jsonResponse('The cart', cartSchema),
      '400': problemResponse('VALIDATION_FAILED (product ID, quantity)'),
      '409': problemResponse('CART_LINE_LIMIT: the cart already holds 50 different products'),
      '422': problemResponse('UNKNOWN_PRODUCT: no such product in the catalog'),
      ...cartResponses,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/cart/items/{productId}',
    tags: ['cart'],
    operationId: 'removeCartItem',
    summary: 'Remove a product from the cart (removing one that is not there changes nothing)',
    security: bearer,
    request: { params: cartItemParams },
    responses: {
      '200': jsonResponse('The cart', cartSchema),
      '400': problemResponse('VALIDATION_FAILED (product ID)'),
      ...cartResponses,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/cart',
    tags: ['cart'],
    operationId: 'clearCart',
    summary: 'Empty the cart',
    security: bearer,
    responses: { '200': jsonResponse('The cart, empty', cartSchema), ...cartResponses },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/cart/checkout',
    tags: ['cart'],
    operationId: 'checkoutCart',
    summary: 'Order the cart: the same placeOrder workflow and guarantees as POST /api/orders',
    description: [
      'Checks every line against the catalog, then places the order exactly as POST /api/orders does (priced and',
      'reserved, 201 PENDING, payment follows). The cart empties only once the order is accepted; on a refusal it is',
      'unchanged and nothing is reserved. A cart has at most one checkout under way: a repeat of it (the same',
      '`Idempotency-Key`, or both without one, and the same payment method and shipping address) gets that same',
      'order, any other checkout meanwhile is 409 CHECKOUT_IN_PROGRESS, so overlapping requests never order one',
      'cart twice. With an `Idempotency-Key`, a repeat gets the same order (201, `Idempotent-Replayed: true`), never',
      'a second one (a key reused after the cart forgot its order gets that older order and leaves the cart as it',
      'is); the key has a scope of its own (it never meets a POST /api/orders key). A checkout whose',
      'gateway failed after the order was accepted completes on its repeat, or by itself after',
      'CART_CHECKOUT_PENDING_MS; an order started only after that deadline is refused (409 CHECKOUT_EXPIRED), never',
      'a second order of the cart; checking out again, with the same key too, then places the order.',
    ].join(' '),
    security: bearer,
    request: {
      headers: z.object({
        'Idempotency-Key': idempotencyKeySchema.optional().openapi({
          param: { description: '1 to 255 visible ASCII characters, unique per intended checkout' },
        }),
      }),
      body: jsonBody(checkoutSchema),
    },
    responses: {
      '201': jsonResponse(
        'Order accepted (PENDING); the cart no longer holds its lines',
        orderSchema,
        z.object({
          Location: header(z.string(), '/api/orders/{id}'),
          'Idempotent-Replayed': header(
            z.enum(['true', 'false']).optional(),
            'With an Idempotency-Key: true when this is the order of an earlier request',
          ),
        }),
      ),
      '400': problemResponse('VALIDATION_FAILED (shipping address, payment method, Idempotency-Key)'),
      '409': problemResponse(
        "OUT_OF_STOCK: details.lines are the lines not available in the quantity asked (cart unchanged, nothing reserved); CART_EMPTY; OPEN_ORDER_LIMIT; CHECKOUT_IN_PROGRESS: another checkout of this cart (another Idempotency-Key, or another payment method or shipping address) is under way: nothing ordered by this request; CHECKOUT_EXPIRED: the checkout took too long (its order started past the checkout's deadline, after which the cart may have let it go): nothing ordered or reserved, the cart keeps its lines, check out again",
      ),
      '422': problemResponse(
        'IDEMPOTENCY_KEY_REUSED: the key was used for a checkout of other lines, payment method or shipping address',
      ),
      ...cartResponses,
      '503': problemResponse(
        'SERVICE_UNAVAILABLE: the catalog could not check or reserve the lines in time (nothing ordered, cart unchanged); STILL_PROCESSING: past the route deadline, the order is being placed (repeat the same request: it joins it); TEMPORAL_UNAVAILABLE',
        retryAfter,
      ),
    },
  });
}
