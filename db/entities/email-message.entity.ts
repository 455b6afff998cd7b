import { Column, Entity, PrimaryColumn } from 'typeorm';
import { timestampColumn, uuidColumn } from './columns';

export type EmailStatus = 'PENDING' | 'SENT';

/** Outbox of e-mails keyed by a business message key, so a retried send never sends twice. */
@Entity({ name: 'email_messages' })
export class EmailMessageEntity {
  @PrimaryColumn({ name: 'message_key', type: 'varchar', length: 191 })
  messageKey: string;

  @Column({ type: 'varchar', length: 32 })
  template: string;

  @Column({ name: 'user_id', ...uuidColumn })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  status: EmailStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'message_id', type: 'varchar', length: 255, nullable: true })
  messageId: string | null;

  @Column({ name: 'created_at', ...timestampColumn })
  createdAt: Date;

  @Column({ name: 'sent_at', ...timestampColumn, nullable: true })
  sentAt: Date | null;
}
