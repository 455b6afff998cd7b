// The answers of the /api/webhooks routes, as the OpenAPI document describes them. The signing
// secret is in the creation answer only (webhookCreatedSchema): no other answer carries it.
import { SHOP_EVENT_NAMES } from '../../workflows/shared/events';
import { z } from '../openapi/zod-openapi';

export const webhookSchema = z
  .object({
    id: z.string().uuid(),
    url: z.string(),
    events: z.array(z.enum(SHOP_EVENT_NAMES)),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.enum(['GONE', 'FAILING', 'ADMIN']).nullable().openapi({
      description:
        'Why it is disabled: GONE (the receiver answered 410), FAILING (a delivery exhausted its retry schedule; the admin who registered it was e-mailed), ADMIN (PATCH enabled: false); null while enabled',
    }),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .strict()
  .openapi('Webhook');

export type WebhookView = z.infer<typeof webhookSchema>;

export const webhookCreatedSchema = webhookSchema
  .extend({
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
      .openapi({
        description:
          'The Standard Webhooks signing secret (whsec_ + base64 of the key bytes). Shown only in this answer: store it now.',
        example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
  })
  .strict()
  .openapi('WebhookCreated');

export type WebhookCreatedView = z.infer<typeof webhookCreatedSchema>;

export const webhookPageSchema = z
  .object({
    items: z.array(webhookSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .strict()
  .openapi('WebhookPage');

export const webhookDeliverySchema = z
  .object({
    id: z.string().uuid(),
    endpointId: z.string().uuid(),
    eventId: z.string().uuid().openapi({ description: 'The CloudEvent id: the webhook-id header of every attempt' }),
    eventType: z.string().openapi({ example: 'shop.order.paid' }),
    status: z.enum(['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED']).openapi({
      description:
        'PENDING: not attempted yet; RETRYING: an attempt failed, the next is at nextAttemptAt; SUCCEEDED: a 2xx; FAILED: given up (schedule exhausted, 410, or the endpoint disabled or deleted): POST .../retry runs it again',
    }),
    attempts: z.number().int().min(0),
    lastStatusCode: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The last attempt's HTTP status; null when there was no answer" }),
    lastError: z
      .string()
      .nullable()
      .openapi({ description: 'Why the last attempt had no usable answer (timeout, refused, redirect)' }),
    lastResponseExcerpt: z
      .string()
      .nullable()
      .openapi({ description: "The start of the last answer's body (at most 256 characters)" }),
    lastAttemptAt: z.string().datetime().nullable(),
    nextAttemptAt: z.string().datetime().nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .strict()
  .openapi('WebhookDelivery');

export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryPageSchema = z
  .object({
    items: z.array(webhookDeliverySchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .strict()
  .openapi('WebhookDeliveryPage');
