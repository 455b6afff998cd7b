// The /api/orders operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import {
  acceptedSchema,
  bearer,
  header,
  jsonBody,
  jsonResponse,
  problemResponse,
  retryAfter,
} from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { idParams } from '../shared/id-params';
import { idempotencyKeySchema } from '../shared/idempotency-key';
import { cancelOrderSchema, listOrdersSchema, placeOrderSchema } from './orders.input';
import { orderPageSchema, orderSchema } from './orders.output';

const orderResponses: Record<string, ResponseConfig> = {
  '400': problemResponse('Invalid ID'),
  '401': problemResponse('Unauthorized'),
  '404': problemResponse('No such order, or not yours (the same answer, so IDs cannot be probed)'),
  '429': problemResponse('Rate limited'),
};

export function registerOrdersOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/orders',
    tags: ['orders'],
    operationId: 'placeOrder',
    summary: 'Place an order (starts the placeOrder workflow with update-with-start)',
    description: [
      'Answers once the order is priced from the catalog and its stock reserved, with the order in PENDING; payment follows',
      'durably (poll the Location for PAID or FAILED). Prices never come from the request. With an `Idempotency-Key`, every',
      'repeat of the request (same user, key and body) gets the same answer (201 with the same body, or the same refusal) and',
      'never a second order; the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED. Without a key,',
      'each request places a new order.',
    ].join(' '),
    security: bearer,
    request: {
      headers: z.object({
        'Idempotency-Key': idempotencyKeySchema.optional().openapi({
          param: {
            description:
              '1 to 255 visible ASCII characters, unique per intended order (a UUID is a good choice). Scoped to the caller.',
          },
        }),
      }),
      body: jsonBody(placeOrderSchema),
    },
    responses: {
      '201': jsonResponse(
        'Order accepted (PENDING): priced and reserved',
        orderSchema,
        z.object({
          Location: header(z.string(), '/api/orders/{id}'),
          'Idempotent-Replayed': header(
            z.enum(['true', 'false']).optional(),
            'With an Idempotency-Key: true when this is the stored answer of an earlier request',
          ),
        }),
      ),
      '202': jsonResponse(
        'Without Idempotency-Key, past the route deadline: the order is being placed and appears at Location once priced and reserved',
        acceptedSchema,
        z.object({ Location: header(z.string(), '/api/orders/{id}') }),
      ),
      '400': problemResponse('VALIDATION_FAILED (items, quantities, payment method, Idempotency-Key)'),
      '401': problemResponse('Unauthorized'),
      '409': problemResponse(
        'OUT_OF_STOCK: nothing was reserved (details.productId names the product); OPEN_ORDER_LIMIT: too many unpaid orders or units (openOrders, openUnits)',
      ),
      '422': problemResponse('UNKNOWN_PRODUCT (details.productIds), or IDEMPOTENCY_KEY_REUSED'),
      '429': problemResponse('Rate limited'),
      '503': problemResponse(
        'SERVICE_UNAVAILABLE: the catalog could not price or reserve in time, nothing was reserved; STILL_PROCESSING: with an Idempotency-Key, past the route deadline (repeat it to join the same run); TEMPORAL_UNAVAILABLE',
        retryAfter,
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/orders',
    tags: ['orders'],
    operationId: 'listOrders',
    summary: "List orders, newest first: a customer's own; an admin's all (optionally filtered)",
    security: bearer,
    request: { query: listOrdersSchema },
    responses: {
      '200': jsonResponse('A page of orders', orderPageSchema),
      '400': problemResponse('Invalid limit, cursor or filter'),
      '401': problemResponse('Unauthorized'),
      '403': problemResponse("A customer asked for another user's orders"),
      '429': problemResponse('Rate limited'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/orders/{id}',
    tags: ['orders'],
    operationId: 'getOrder',
    summary: 'An order (owner or admin)',
    security: bearer,
    request: { params: idParams },
    responses: {
      '200': jsonResponse('The order', orderSchema),
      '202': jsonResponse(
        'An order accepted with 202 that is still being priced and reserved: ask again after Retry-After',
        acceptedSchema,
        z.object({ 'Retry-After': header(z.string(), 'Seconds') }),
      ),
      ...orderResponses,
      '404': problemResponse(
        'NOT_FOUND: no such order, or not yours (the same answer, so IDs cannot be probed); ORDER_NOT_PLACED: your order was refused at intake (reason: OutOfStock, UnknownProduct, ValidationFailed or OrderIntakeFailed), nothing was reserved or charged',
      ),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/orders/{id}/cancel',
    tags: ['orders'],
    operationId: 'cancelOrder',
    summary: 'Cancel an order (owner or admin): answers once the refund, stock release and e-mail are done',
    description: 'Cancelling a CANCELLED order returns it unchanged. SHIPPED and FAILED orders cannot be cancelled.',
    security: bearer,
    request: { params: idParams, body: jsonBody(cancelOrderSchema, { required: false }) },
    responses: {
      '200': jsonResponse('The order, CANCELLED (payment REFUNDED if it had been captured)', orderSchema),
      ...orderResponses,
      '409': problemResponse('ORDER_NOT_CANCELLABLE, or ORDER_PROCESS_CLOSED (an operator stopped its workflow)'),
      '503': problemResponse(
        'STILL_PROCESSING: past the route deadline; repeat to join the same cancellation',
        retryAfter,
      ),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/api/orders/{id}/ship',
    tags: ['orders'],
    operationId: 'shipOrder',
    summary: 'Ship a PAID order (admin); the order workflow completes',
    security: bearer,
    request: { params: idParams },
    responses: {
      '200': jsonResponse('The order, SHIPPED', orderSchema),
      ...orderResponses,
      '403': problemResponse('Administrator role required'),
      '409': problemResponse(
        'INVALID_TRANSITION: only PAID orders can be shipped; ORDER_PROCESS_CLOSED: an operator stopped its workflow',
      ),
      '503': problemResponse('STILL_PROCESSING: past the route deadline; repeat to join the same shipment', retryAfter),
    },
  });
}
