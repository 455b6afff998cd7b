// The query fields of every keyset-paged list (`?limit=&cursor=`), parsed from the strings a
// query arrives as; `.openapi` says what a client sends (an integer, an opaque cursor).
import { z } from '../openapi/zod-openapi';
import { CURSOR_MAX_LENGTH, decodeCursor } from './keyset-cursor';

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

/** A query parameter given once: `?limit=1&limit=2` is an error, not a choice. */
export const single = (v: unknown) => (Array.isArray(v) ? Symbol('repeated') : v);

export const pageQueryFields = {
  limit: z
    .preprocess(
      single,
      z
        .string()
        .regex(/^\d{1,4}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
        .transform(Number)
        .pipe(z.number().int().min(1).max(LIST_LIMIT_MAX))
        .optional(),
    )
    .openapi({ type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT }),
  cursor: z
    .preprocess(
      single,
      z
        .string()
        .optional()
        .transform((raw, ctx) => {
          if (raw === undefined || raw === '') return undefined;
          const cursor = decodeCursor(raw);
          if (!cursor) {
            ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this API' });
            return z.NEVER;
          }
          return cursor;
        }),
    )
    .openapi({ maxLength: CURSOR_MAX_LENGTH, param: { description: 'Opaque cursor from a previous page' } }),
};
