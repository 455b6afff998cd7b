// /api/orders operations (orders domain).
import { ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES } from '../../workflows/orders/contract';
import { bearer, jsonBody, jsonResponse, problemResponse } from '../openapi/common.openapi';

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const orderResponses = {
  '400': problemResponse('Invalid ID'),
  '401': problemResponse('Unauthorized'),
  '404': problemResponse('No such order, or not yours (the same answer, so IDs cannot be probed)'),
  '429': problemResponse('Rate limited'),
};

export const ordersPaths = {
  '/api/orders': {
    post: {
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
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            '1 to 255 visible ASCII characters, unique per intended order (a UUID is a good choice). Scoped to the caller.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ],
      requestBody: jsonBody('PlaceOrderRequest'),
      responses: {
        '201': {
          description: 'Order accepted (PENDING): priced and reserved',
          headers: {
            Location: { description: '/api/orders/{id}', schema: { type: 'string' } },
            'Idempotent-Replayed': {
              description: 'With an Idempotency-Key: true when this is the stored answer of an earlier request',
              schema: { type: 'string', enum: ['true', 'false'] },
            },
          },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
        },
        '400': problemResponse('VALIDATION_FAILED (items, quantities, payment method, Idempotency-Key)'),
        '401': problemResponse('Unauthorized'),
        '409': problemResponse('OUT_OF_STOCK: nothing was reserved (details.productId names the product)'),
        '422': problemResponse('UNKNOWN_PRODUCT (details.productIds), or IDEMPOTENCY_KEY_REUSED'),
        '429': problemResponse('Rate limited'),
        '503': problemResponse(
          'SERVICE_UNAVAILABLE: the catalog could not price or reserve in time; nothing was reserved',
        ),
      },
    },
    get: {
      tags: ['orders'],
      operationId: 'listOrders',
      summary: "List orders, newest first: a customer's own; an admin's all (optionally filtered)",
      security: bearer,
      parameters: [
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: 'nextCursor of the previous page (opaque)',
          schema: { type: 'string' },
        },
        {
          name: 'userId',
          in: 'query',
          required: false,
          description: 'Admins: orders of this user. Customers: only their own ID is allowed.',
          schema: { type: 'string', format: 'uuid' },
        },
        { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: [...ORDER_STATUSES] } },
      ],
      responses: {
        '200': jsonResponse('A page of orders', 'OrderPage'),
        '400': problemResponse('Invalid limit, cursor or filter'),
        '401': problemResponse('Unauthorized'),
        '403': problemResponse("A customer asked for another user's orders"),
        '429': problemResponse('Rate limited'),
      },
    },
  },
  '/api/orders/{id}': {
    get: {
      tags: ['orders'],
      operationId: 'getOrder',
      summary: 'An order (owner or admin)',
      security: bearer,
      parameters: [idParam],
      responses: { '200': jsonResponse('The order', 'Order'), ...orderResponses },
    },
  },
  '/api/orders/{id}/cancel': {
    put: {
      tags: ['orders'],
      operationId: 'cancelOrder',
      summary: 'Cancel an order (owner or admin): answers once the refund, stock release and e-mail are done',
      description: 'Cancelling a CANCELLED order returns it unchanged. SHIPPED and FAILED orders cannot be cancelled.',
      security: bearer,
      parameters: [idParam],
      requestBody: {
        required: false,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/CancelOrderRequest' } } },
      },
      responses: {
        '200': jsonResponse('The order, CANCELLED (payment REFUNDED if it had been captured)', 'Order'),
        ...orderResponses,
        '409': problemResponse('ORDER_NOT_CANCELLABLE'),
      },
    },
  },
  '/api/orders/{id}/ship': {
    put: {
      tags: ['orders'],
      operationId: 'shipOrder',
      summary: 'Ship a PAID order (admin); the order workflow completes',
      security: bearer,
      parameters: [idParam],
      responses: {
        '200': jsonResponse('The order, SHIPPED', 'Order'),
        ...orderResponses,
        '403': problemResponse('Administrator role required'),
        '409': problemResponse('INVALID_TRANSITION: only PAID orders can be shipped'),
      },
    },
  },
};

export const ordersSchemas = {
  PlaceOrderRequest: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 50,
        items: {
          type: 'object',
          required: ['productId', 'quantity'],
          properties: {
            productId: { type: 'string', format: 'uuid' },
            quantity: { type: 'integer', minimum: 1, maximum: 100 },
          },
        },
      },
      paymentMethod: {
        type: 'string',
        enum: Object.values(PAYMENT_METHODS),
        default: PAYMENT_METHODS.visa,
        description:
          'Stripe-style test payment methods: pm_card_visa succeeds, pm_card_chargeDeclined is declined; pm_card_flaky, pm_card_slow and pm_card_unavailable are sandbox behaviours (transient failures, a slow answer, an outage).',
      },
    },
  },
  CancelOrderRequest: {
    type: 'object',
    properties: { reason: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  OrderItem: {
    type: 'object',
    required: ['productId', 'name', 'unitPriceCents', 'quantity'],
    properties: {
      productId: { type: 'string', format: 'uuid' },
      name: { type: 'string' },
      unitPriceCents: { type: 'integer', description: 'Catalog price at order time, in minor units' },
      quantity: { type: 'integer' },
    },
  },
  Order: {
    type: 'object',
    required: ['id', 'userId', 'status', 'items', 'totalCents', 'currency', 'payment', 'createdAt', 'updatedAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      userId: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: [...ORDER_STATUSES] },
      items: { type: 'array', items: { $ref: '#/components/schemas/OrderItem' } },
      totalCents: { type: 'integer' },
      currency: { type: 'string', description: 'ISO 4217' },
      payment: {
        oneOf: [
          {
            type: 'object',
            required: ['status'],
            properties: {
              status: { type: 'string', enum: [...PAYMENT_STATUSES] },
              chargeId: { type: 'string' },
              refundId: { type: 'string' },
            },
          },
          { type: 'null' },
        ],
      },
      failureReason: {
        type: 'string',
        description:
          'PAYMENT_DECLINED (FAILED); PAYMENT_TIMEOUT, PAYMENT_ERROR or WORKFLOW_CANCELLED (cancelled by the system)',
      },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  OrderPage: {
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
      nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page' },
    },
  },
};
