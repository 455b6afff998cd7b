// The notifications worker's workflow bundle entry point.
export { sendEmail } from './send-email.workflow';
