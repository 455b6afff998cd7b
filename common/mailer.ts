// Outgoing mail: SMTP when SMTP_URL is set, otherwise each message is written as an .eml file
// under DATA_DIR/outbox (embedded mode), so a developer can open what the shop sent.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { type Config, dataPath } from './config';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  /** RFC 5322 Message-ID derived from the business key: receivers can dedupe on it too. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: OutgoingEmail): Promise<{ messageId: string }>;
  readonly kind: 'smtp' | 'outbox';
  close(): void;
}

export function createMailer(config: Config): Mailer {
  if (config.SMTP_URL) {
    const transport = nodemailer.createTransport(config.SMTP_URL, { from: config.MAIL_FROM });
    return {
      kind: 'smtp',
      async send(mail) {
        await transport.sendMail({ from: config.MAIL_FROM, ...mail });
        return { messageId: mail.messageId };
      },
      close: () => transport.close(),
    };
  }
  const outbox = dataPath(config, 'outbox');
  mkdirSync(outbox, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'outbox',
    async send(mail) {
      const info = await transport.sendMail({ from: config.MAIL_FROM, ...mail });
      const safe = mail.messageId.replace(/[^A-Za-z0-9_.@-]/g, '_');
      writeFileSync(path.join(outbox, `${safe}.eml`), info.message as Buffer);
      return { messageId: mail.messageId };
    },
    close: () => transport.close(),
  };
}
