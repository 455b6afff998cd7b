// Notifications domain contract. E-mails carry a user ID, never an address: the activity
// looks the recipient up, so no personal data sits in workflow inputs or history.
export const NOTIFICATIONS_TASK_QUEUE = 'notifications';

export type EmailTemplate = 'welcome' | 'order-paid' | 'order-cancelled' | 'order-failed';

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

export const welcomeEmailWorkflowId = (userId: string): string => `welcome-email-${userId}`;
export const welcomeEmailKey = (userId: string): string => `welcome:${userId}`;

export const orderEmailWorkflowId = (orderId: string, template: EmailTemplate): string =>
  `email-${template}-${orderId}`;
export const orderEmailKey = (orderId: string, template: EmailTemplate): string => `${template}:${orderId}`;
