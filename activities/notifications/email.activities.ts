// Notifications domain activities. The email_messages row keyed by the message key makes a
// send idempotent: once SENT, a retry (or a second workflow with the same key) sends nothing.
// Between the SMTP server's acceptance and the SENT mark the database may be away: the
// acceptance is recorded in the activity's heartbeat (kept by Temporal, handed to the next
// attempt) and the mark is retried, so an outage there does not send the message again. The
// one window left, the worker dying in the milliseconds between acceptance and heartbeat,
// resends with the same Message-ID, which receivers treat as the same message.
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { Mailer } from '../../common/mailer';
import { EmailMessageEntity, UserEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import { shippingAddressesOf } from '../../db/shipping-addresses';
import type { SendEmailInput, SendEmailResult } from '../../workflows/notifications/contract';
import { renderEmail } from './email-templates';

export interface EmailActivityDeps {
  dataSource: DataSource;
  mailer: Mailer;
  onSent?: (template: string, outcome: 'sent' | 'failed') => void;
}

/** What an attempt tells the next one through its heartbeat. */
interface DeliveryProgress {
  acceptedMessageId: string;
}

// Within the workflow's 30 s start-to-close, leaving room for the send itself.
const MARK_SENT_BUDGET_MS = 20_000;
const MARK_SENT_FIRST_PAUSE_MS = 250;
const MARK_SENT_MAX_PAUSE_MS = 4_000;

export const messageIdFor = (messageKey: string) => `<${messageKey.replace(/[^A-Za-z0-9_.:-]/g, '_')}@temporal-shop>`;

export function createEmailActivities({ dataSource, mailer, onSent }: EmailActivityDeps) {
  const messages = () => dataSource.getRepository(EmailMessageEntity);

  return {
    async deliverEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const ctx = Context.current();
      const earlier = ctx.info.heartbeatDetails as DeliveryProgress | undefined;
      if (earlier?.acceptedMessageId) {
        ctx.heartbeat(earlier);
        await markSent(input.messageKey, earlier.acceptedMessageId);
        return { messageKey: input.messageKey, status: 'SENT', messageId: earlier.acceptedMessageId };
      }
      try {
        await messages().insert({
          messageKey: input.messageKey,
          template: input.template,
          userId: input.userId,
          status: 'PENDING',
          attempts: 0,
          messageId: null,
          createdAt: new Date(),
          sentAt: null,
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const row = await messages().findOneByOrFail({ messageKey: input.messageKey });
      if (row.status === 'SENT')
        return { messageKey: row.messageKey, status: 'ALREADY_SENT', messageId: row.messageId };

      const user = await dataSource.getRepository(UserEntity).findOneBy({ id: input.userId });
      if (!user) return { messageKey: input.messageKey, status: 'SKIPPED', messageId: null };

      // Looked up by order ID here, so the address never travels through a workflow's history.
      const shippingAddress =
        input.template === 'order-paid' && typeof input.data.orderId === 'string'
          ? (await shippingAddressesOf(dataSource, [input.data.orderId])).get(input.data.orderId)
          : undefined;
      const { subject, text } = renderEmail(input.template, user.name, input.data, { shippingAddress });
      const messageId = messageIdFor(input.messageKey);
      await messages().increment({ messageKey: input.messageKey }, 'attempts', 1);
      try {
        await mailer.send({ to: user.email, subject, text, messageId, headers: { 'X-Message-Key': input.messageKey } });
      } catch (err) {
        onSent?.(input.template, 'failed');
        ctx.log.warn('e-mail delivery failed; will retry', {
          messageKey: input.messageKey,
          error: (err as Error).message,
        });
        throw err;
      }
      ctx.heartbeat({ acceptedMessageId: messageId } satisfies DeliveryProgress);
      onSent?.(input.template, 'sent');
      await markSent(input.messageKey, messageId);
      return { messageKey: input.messageKey, status: 'SENT', messageId };
    },
  };

  /** Records SENT, riding out a short database outage; a longer one is left to the next attempt. */
  async function markSent(messageKey: string, messageId: string): Promise<void> {
    const ctx = Context.current();
    const deadline = Date.now() + MARK_SENT_BUDGET_MS;
    for (let pause = MARK_SENT_FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MARK_SENT_MAX_PAUSE_MS)) {
      try {
        await messages().update({ messageKey }, { status: 'SENT', messageId, sentAt: new Date() });
        return;
      } catch (err) {
        if (Date.now() + pause > deadline) throw err;
        ctx.log.warn('e-mail accepted by SMTP but not yet marked SENT; retrying the mark', {
          messageKey,
          error: (err as Error).message,
        });
        await ctx.sleep(pause);
        ctx.heartbeat({ acceptedMessageId: messageId } satisfies DeliveryProgress);
      }
    }
  }
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
