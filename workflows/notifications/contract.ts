// Notifications domain contract. E-mails carry a user ID, never an address: the activity
// looks the recipient up, so no personal data sits in workflow inputs or history.
export const NOTIFICATIONS_TASK_QUEUE = 'notifications';

export type EmailTemplate =
  'welcome' | 'order-paid' | 'order-cancelled' | 'order-failed' | 'cart-reminder' | 'webhook-disabled';

export interface SendEmailInput {
  /** Business dedup key: the same key is sent at most once, whatever retries happen. */
  messageKey: string;
  template: EmailTemplate;
  userId: string;
  data: Record<string, string | number | null>;
}

export interface SendEmailResult {
  messageKey: string;
  status: 'SENT' | 'ALREADY_SENT' | 'SKIPPED';
  messageId: string | null;
}

// The ID and key scheme: one sendEmail workflow and one message key per e-mail and subject (the
// user for the welcome, the order for the order e-mails), so a repeated hand-off is recognised.
export const welcomeEmailWorkflowId = (userId: string): string => `welcome-email-${userId}`;
export const welcomeEmailKey = (userId: string): string => `welcome:${userId}`;

export const orderEmailWorkflowId = (orderId: string, template: EmailTemplate): string =>
  `email-${template}-${orderId}`;
export const orderEmailKey = (orderId: string, template: EmailTemplate): string => `${template}:${orderId}`;

export type OrderEmailTemplate = Exclude<EmailTemplate, 'welcome' | 'cart-reminder' | 'webhook-disabled'>;

/** An order e-mail: its data is merged with the order ID into the template's data. */
export interface OrderEmailHandOff {
  orderId: string;
  userId: string;
  template: OrderEmailTemplate;
  data: SendEmailInput['data'];
}

export interface WelcomeEmailHandOff {
  userId: string;
  template: 'welcome';
  data: SendEmailInput['data'];
}

/**
 * The abandoned-cart reminder: `contentKey` names one content of one cart (the cart's ID and its
 * content version), so each content is reminded of at most once.
 */
export interface CartReminderHandOff {
  userId: string;
  template: 'cart-reminder';
  contentKey: string;
  data: SendEmailInput['data'];
}

export const cartReminderWorkflowId = (userId: string, contentKey: string): string =>
  `email-cart-reminder-${userId}-${contentKey}`;
export const cartReminderKey = (userId: string, contentKey: string): string => `cart-reminder:${userId}:${contentKey}`;

/**
 * The shop disabled a webhook endpoint after a delivery exhausted its schedule: the admin who
 * registered it is told. One e-mail per delivery run that disabled it.
 */
export interface WebhookDisabledHandOff {
  userId: string;
  template: 'webhook-disabled';
  endpointId: string;
  deliveryId: string;
  run: number;
  data: SendEmailInput['data'];
}

export const webhookDisabledEmailWorkflowId = (endpointId: string, deliveryId: string, run: number): string =>
  `email-webhook-disabled-${endpointId}-${deliveryId}-${run}`;
export const webhookDisabledEmailKey = (endpointId: string, deliveryId: string, run: number): string =>
  `webhook-disabled:${endpointId}:${deliveryId}:${run}`;

/** What another domain hands to notifications: which e-mail, to whom, about what. */
export type EmailHandOff = WelcomeEmailHandOff | OrderEmailHandOff | CartReminderHandOff | WebhookDisabledHandOff;

/** How sendEmail is started for a hand-off, the same whether a workflow or an activity starts it. */
export interface EmailStart {
  workflowId: string;
  taskQueue: string;
  args: [SendEmailInput];
}

export function emailStart(handOff: EmailHandOff): EmailStart {
  if (handOff.template === 'welcome') {
    const { userId, data } = handOff;
    return {
      workflowId: welcomeEmailWorkflowId(userId),
      taskQueue: NOTIFICATIONS_TASK_QUEUE,
      args: [{ messageKey: welcomeEmailKey(userId), template: 'welcome', userId, data }],
    };
  }
  if (handOff.template === 'cart-reminder') {
    const { userId, contentKey, data } = handOff;
    return {
      workflowId: cartReminderWorkflowId(userId, contentKey),
      taskQueue: NOTIFICATIONS_TASK_QUEUE,
      args: [{ messageKey: cartReminderKey(userId, contentKey), template: 'cart-reminder', userId, data }],
    };
  }
  if (handOff.template === 'webhook-disabled') {
    const { userId, endpointId, deliveryId, run, data } = handOff;
    return {
      workflowId: webhookDisabledEmailWorkflowId(endpointId, deliveryId, run),
      taskQueue: NOTIFICATIONS_TASK_QUEUE,
      args: [
        {
          messageKey: webhookDisabledEmailKey(endpointId, deliveryId, run),
          template: 'webhook-disabled',
          userId,
          data: { endpointId, deliveryId, ...data },
        },
      ],
    };
  }
  const { orderId, userId, template, data } = handOff;
  return {
    workflowId: orderEmailWorkflowId(orderId, template),
    taskQueue: NOTIFICATIONS_TASK_QUEUE,
    args: [{ messageKey: orderEmailKey(orderId, template), template, userId, data: { orderId, ...data } }],
  };
}

// --- Webhooks: one deliverWebhook workflow per (endpoint, event), on this queue ---------------

/**
 * The delivery's workflow ID: the same endpoint and event always name the same workflow, so a
 * retried publish never starts a second delivery (REJECT_DUPLICATE). An admin's retry starts a
 * new run under the same ID.
 */
export const webhookDeliveryWorkflowId = (endpointId: string, eventId: string): string =>
  `webhook-${endpointId}-${eventId}`;

export interface DeliverWebhookInput {
  deliveryId: string;
  endpointId: string;
  /** The CloudEvent's id: `webhook-id` on every attempt. */
  eventId: string;
  /** 1 for the first run, +1 per admin retry (keys the admin's e-mail). */
  run: number;
  /** Pauses between attempts (WEBHOOK_RETRY_DELAYS_MS when the delivery started): N pauses, N + 1 attempts. */
  retryDelaysMs: number[];
}

/**
 * DELIVERED: a 2xx. GONE: 410, the receiver asks to be forgotten. FAILED: another answer, no
 * answer in time, or a refused target. ENDPOINT_OFF: the endpoint was disabled or deleted meanwhile.
 */
export type WebhookAttemptOutcome = 'DELIVERED' | 'GONE' | 'FAILED' | 'ENDPOINT_OFF';

export interface WebhookAttemptInput {
  deliveryId: string;
  /** The pause before the next attempt if this one fails; null: this is the last one. */
  nextDelayMs: number | null;
}

export interface WebhookAttemptResult {
  outcome: WebhookAttemptOutcome;
  statusCode: number | null;
  attempts: number;
}

export interface DisableWebhookInput {
  endpointId: string;
  reason: 'GONE' | 'FAILING';
}

export interface DisableWebhookResult {
  /** True when this call switched it off (it was enabled). */
  disabled: boolean;
  /** The admin who registered the endpoint (null: it was deleted). */
  adminUserId: string | null;
  url: string | null;
}

export interface DeliverWebhookResult {
  status: 'SUCCEEDED' | 'FAILED';
  outcome: WebhookAttemptOutcome;
  attempts: number;
}

/** Bounds of an endpoint's registration (and of how many a shop may register). */
export const WEBHOOK_LIMITS = {
  urlMax: 2048,
  descriptionMax: 500,
  endpointsMax: 50,
} as const;
