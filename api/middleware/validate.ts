// Request validation with zod: parse or throw (the error handler turns it into a 400).
import type { ZodTypeAny, z } from 'zod';
import type { ShopContext } from '../context';
import { badRequest } from '../problem';

const isEmpty = (body: unknown) =>
  body === undefined ||
  body === null ||
  (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

/**
 * The JSON object body, parsed. With `optional`, a request without a body (or with `{}`) is
 * parsed as `{}`, so the schema's defaults apply.
 */
export function parseBody<S extends ZodTypeAny>(
  ctx: ShopContext,
  schema: S,
  opts: { optional?: boolean } = {},
): z.infer<S> {
  const body = (ctx.request as { body?: unknown }).body;
  if (opts.optional && isEmpty(body)) return schema.parse({});
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object');
  }
  return schema.parse(body);
}

export function parseQuery<S extends ZodTypeAny>(ctx: ShopContext, schema: S): z.infer<S> {
  return schema.parse(ctx.query);
}

export function parseParams<S extends ZodTypeAny>(ctx: ShopContext, schema: S): z.infer<S> {
  return schema.parse((ctx as unknown as { params: Record<string, string> }).params);
}
