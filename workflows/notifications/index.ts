// The notifications worker's workflow bundle entry point.
export { deliverWebhook } from './deliver-webhook.workflow';
export { sendEmail } from './send-email.workflow';
