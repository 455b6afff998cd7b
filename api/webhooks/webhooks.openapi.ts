// The /api/webhooks operations of the OpenAPI document, from the schemas the routes validate with.
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { bearer, header, jsonBody, jsonResponse, problemResponse, retryAfter } from '../openapi/common.openapi';
import { z } from '../openapi/zod-openapi';
import { idParams } from '../shared/id-params';
import { createWebhookSchema, deliveryParams, listQuery, updateWebhookSchema } from './webhooks.input';
import {
  webhookCreatedSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookPageSchema,
  webhookSchema,
} from './webhooks.output';

const adminErrors: Record<string, ResponseConfig> = {
  '400': problemResponse('VALIDATION_FAILED (the body, the query or the ID)'),
  '401': problemResponse('UNAUTHORIZED: no valid bearer token'),
  '403': problemResponse('FORBIDDEN: not an administrator'),
  '429': problemResponse('Rate limited'),
  '503': problemResponse(
    'DATABASE_UNAVAILABLE; DNS_UNAVAILABLE (the target could not be resolved for now: registration and URL changes); TEMPORAL_UNAVAILABLE or STILL_PROCESSING (a retry)',
    retryAfter,
  ),
};
const notFound = problemResponse('NOT_FOUND: unknown webhook (or delivery)');
const refused = problemResponse(
  'WEBHOOK_TARGET_REFUSED: the URL resolves to a loopback, private, link-local, unique-local or metadata address, or does not resolve (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true for a receiver on a private network)',
);
const SIGNING =
  'Each delivery is a POST of the CloudEvent (content-type application/cloudevents+json) signed per Standard Webhooks: webhook-id (the event id, the same on every retry), webhook-timestamp, webhook-signature `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the decoded secret. Retried on WEBHOOK_RETRY_DELAYS_MS (about 3 days by default) until a 2xx; a 410 disables the endpoint; a delivery that exhausts the schedule disables it and e-mails the admin who registered it.';

export function registerWebhooksOperations(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/webhooks',
    tags: ['webhooks'],
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint (admin); the answer carries the signing secret, once',
    description: SIGNING,
    security: bearer,
    request: { body: jsonBody(createWebhookSchema) },
    responses: {
      '201': jsonResponse(
        'Registered: store `secret` now, no other answer shows it',
        webhookCreatedSchema,
        z.object({ Location: header(z.string(), '/api/webhooks/{id}') }),
      ),
      ...adminErrors,
      '409': problemResponse('WEBHOOK_LIMIT_REACHED: the shop has the most endpoints it may register'),
      '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
      '422': refused,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks',
    tags: ['webhooks'],
    operationId: 'listWebhooks',
    summary: 'List webhook endpoints, newest first (admin; no secrets)',
    security: bearer,
    request: { query: listQuery },
    responses: { '200': jsonResponse('A page of endpoints', webhookPageSchema), ...adminErrors },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks/{id}',
    tags: ['webhooks'],
    operationId: 'getWebhook',
    summary: 'A webhook endpoint (admin; no secret)',
    security: bearer,
    request: { params: idParams },
    responses: { '200': jsonResponse('The endpoint', webhookSchema), ...adminErrors, '404': notFound },
  });
  registry.registerPath({
    method: 'patch',
    path: '/api/webhooks/{id}',
    tags: ['webhooks'],
    operationId: 'updateWebhook',
    summary: 'Change a webhook endpoint: URL, events, description, enabled (admin)',
    description:
      'A new URL passes the same target check as at registration. `enabled: true` re-enables an endpoint the shop disabled (GONE, FAILING); its FAILED deliveries can then be retried.',
    security: bearer,
    request: { params: idParams, body: jsonBody(updateWebhookSchema) },
    responses: {
      '200': jsonResponse('The endpoint after the change', webhookSchema),
      ...adminErrors,
      '404': notFound,
      '415': problemResponse('UNSUPPORTED_MEDIA_TYPE'),
      '422': refused,
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/api/webhooks/{id}',
    tags: ['webhooks'],
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook endpoint and its delivery records (admin)',
    description: 'Deliveries still waiting for their next attempt end then, without sending.',
    security: bearer,
    request: { params: idParams },
    responses: { '204': { description: 'Deleted' }, ...adminErrors, '404': notFound },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks/{id}/deliveries',
    tags: ['webhooks'],
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries, newest first: status, attempts, last response, next attempt (admin)",
    security: bearer,
    request: { params: idParams, query: listQuery },
    responses: {
      '200': jsonResponse('A page of deliveries', webhookDeliveryPageSchema),
      ...adminErrors,
      '404': notFound,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/webhooks/{id}/deliveries/{deliveryId}/retry',
    tags: ['webhooks'],
    operationId: 'retryWebhookDelivery',
    summary: 'Run a FAILED delivery again, on a fresh retry schedule (admin)',
    description:
      'A new run of the delivery (the same webhook-id as before). The endpoint must be enabled. Past ROUTE_DEADLINE_MS: 503 STILL_PROCESSING (repeat it).',
    security: bearer,
    request: { params: deliveryParams },
    responses: {
      '202': jsonResponse('Started: the delivery as it is now (PENDING)', webhookDeliverySchema),
      ...adminErrors,
      '404': notFound,
      '409': problemResponse(
        'DELIVERY_NOT_FAILED (only a FAILED delivery is retried), DELIVERY_IN_PROGRESS, WEBHOOK_DISABLED (enable the endpoint first)',
      ),
    },
  });
}
