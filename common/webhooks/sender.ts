// One webhook POST: the stored body, the signature headers, no redirects followed, one overall
// timeout (connect + send + answer), the answer's body read only as far as its excerpt. The SSRF
// guard runs before the request (IP literals, the URL's form) and inside it, on the addresses the
// connection is made to (guardedLookup), so DNS rebinding between the two cannot reach a private
// address. Never throws: every failure is an answer the delivery records.
import http from 'node:http';
import https from 'node:https';
import { toPlainText } from '../plain-text';
import { checkTarget, guardedLookup, type GuardOptions, TargetRefusedError } from './target-guard';

/** The longest excerpt of a receiver's answer that is kept (characters). */
export const RESPONSE_EXCERPT_MAX = 256;
/** Bytes of the answer read at most (the rest is not downloaded). */
const RESPONSE_READ_MAX = 1024;

export const WEBHOOK_USER_AGENT = 'temporal-shop-webhooks/1';

export type SendResult =
  { kind: 'answered'; statusCode: number; excerpt: string } | { kind: 'error'; error: string; refused: boolean };

export interface SendOptions extends GuardOptions {
  timeoutMs: number;
}

const excerptOf = (bytes: Buffer): string => {
  const text = toPlainText(bytes.toString('utf8')).replace(/\uFFFD+$/, '');
  return text.length > RESPONSE_EXCERPT_MAX ? text.slice(0, RESPONSE_EXCERPT_MAX) : text;
};

export async function postWebhook(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  opts: SendOptions,
): Promise<SendResult> {
  let url: URL;
  try {
    await checkTarget(rawUrl, opts);
    url = new URL(rawUrl);
  } catch (err) {
    const refused = err instanceof TargetRefusedError;
    return { kind: 'error', error: (err as Error).message, refused };
  }
  const payload = Buffer.from(body, 'utf8');
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(opts) as never,
      headers: {
        ...headers,
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'content-length': String(payload.length),
        'user-agent': WEBHOOK_USER_AGENT,
        connection: 'close',
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ kind: 'error', error: `no answer within ${opts.timeoutMs} ms`, refused: false });
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        kind: 'error',
        error: err instanceof TargetRefusedError ? err.message : `${err.code ?? 'ERROR'}: ${err.message}`,
        refused: err instanceof TargetRefusedError,
      }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let read = 0;
      const done = () =>
        finish({ kind: 'answered', statusCode: res.statusCode ?? 0, excerpt: excerptOf(Buffer.concat(chunks)) });
      res.on('data', (chunk: Buffer) => {
        if (read >= RESPONSE_READ_MAX) return;
        chunks.push(chunk.subarray(0, RESPONSE_READ_MAX - read));
        read += chunk.length;
        if (read >= RESPONSE_READ_MAX) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.end(payload);
  });
}
