// Notifications domain activities. The email_messages row keyed by the message key makes a
// send idempotent: once SENT, a retry (or a second workflow with the same key) sends nothing.
// The one window left, a crash between the SMTP acceptance and the SENT mark, resends with the
// same Message-ID, which receivers treat as the same message.
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { Mailer } from '../../common/mailer';
import { EmailMessageEntity, UserEntity } from '../../db/entities';
import { isUniqueViolation } from '../../db/errors';
import type { SendEmailInput, SendEmailResult } from '../../workflows/notifications/contract';
import { renderEmail } from './email-templates';

export interface EmailActivityDeps {
  dataSource: DataSource;
  mailer: Mailer;
  onSent?: (template: string, outcome: 'sent' | 'failed') => void;
}

export const messageIdFor = (messageKey: string) => `<${messageKey.replace(/[^A-Za-z0-9_.:-]/g, '_')}@temporal-shop>`;

export function createEmailActivities({ dataSource, mailer, onSent }: EmailActivityDeps) {
  const messages = () => dataSource.getRepository(EmailMessageEntity);

  return {
    async deliverEmail(input: SendEmailInput): Promise<SendEmailResult> {
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

      const { subject, text } = renderEmail(input.template, user.name, input.data);
      const messageId = messageIdFor(input.messageKey);
      await messages().increment({ messageKey: input.messageKey }, 'attempts', 1);
      try {
        await mailer.send({ to: user.email, subject, text, messageId, headers: { 'X-Message-Key': input.messageKey } });
      } catch (err) {
        onSent?.(input.template, 'failed');
        Context.current().log.warn('e-mail delivery failed; will retry', {
          messageKey: input.messageKey,
          error: (err as Error).message,
        });
        throw err;
      }
      await messages().update({ messageKey: input.messageKey }, { status: 'SENT', messageId, sentAt: new Date() });
      onSent?.(input.template, 'sent');
      return { messageKey: input.messageKey, status: 'SENT', messageId };
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
