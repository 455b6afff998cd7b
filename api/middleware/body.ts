// The JSON body parser, bounded in time as it is in size. A client that declares a body and
// sends less of it (or trickles it) would otherwise hold the request, its connection and its
// memory until Node's requestTimeout (300 s, checked every 30 s): here it gets 408 within
// `timeoutMs`, and the connection is closed since the rest of its body will never be read. A
// body that cannot be decoded (Content-Encoding gzip over bytes that are not gzip) is the
// client's error, a 400, not the 500 that zlib's untyped error would become.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type { ShopState } from '../context';
import { ProblemError, badRequest } from '../problem';

export interface JsonBodyOptions {
  limit: string;
  timeoutMs: number;
}

export function jsonBody(opts: JsonBodyOptions): Middleware<ShopState> {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: opts.limit,
    jsonStrict: true,
    encoding: 'utf-8',
  }) as unknown as Middleware<ShopState>;
  return async (ctx, next) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ProblemError(
              408,
              'REQUEST_TIMEOUT',
              'Request timeout',
              `The request body did not arrive within ${opts.timeoutMs} ms`,
              {},
              { Connection: 'close' },
            ),
          ),
        opts.timeoutMs,
      );
    });
    try {
      // The parser reads the body and calls its `next` once it has: the route runs after the race.
      await Promise.race([parse(ctx, async () => undefined), deadline]);
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' || err instanceof ProblemError) throw err;
      throw badRequest(`The request body could not be decoded (${ctx.get('Content-Encoding') || 'identity'})`);
    } finally {
      clearTimeout(timer);
    }
    return next();
  };
}
