// Notifications domain contract. E-mails carry a user ID, never an address: the activity
// looks the recipient up, so no personal data sits in workflow inputs or history.
export const NOTIFICATIONS_TASK_QUEUE = 'notifications';

export type EmailTemplate = 'welcome' | 'order-paid' | 'order-cancelled' | 'order-failed' | 'cart-reminder';

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

export type OrderEmailTemplate = Exclude<EmailTemplate, 'welcome' | 'cart-reminder'>;

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

/** What another domain hands to notifications: which e-mail, to whom, about what. */
export type EmailHandOff = WelcomeEmailHandOff | OrderEmailHandOff | CartReminderHandOff;

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
  const { orderId, userId, template, data } = handOff;
  return {
    workflowId: orderEmailWorkflowId(orderId, template),
    taskQueue: NOTIFICATIONS_TASK_QUEUE,
    args: [{ messageKey: orderEmailKey(orderId, template), template, userId, data: { orderId, ...data } }],
  };
}
