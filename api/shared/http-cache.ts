// HTTP caching of public reads (RFC 9110 §8.8.3, §13.1.2; RFC 9111 §5.2): a strong ETag computed
// from the serialised body (serialised once: the same string is the body), Cache-Control, Vary,
// and If-None-Match answered with 304 Not Modified.
//
// Why the body and not a version: a product's `updatedAt` has millisecond precision (two writes
// within one millisecond would share it) and a list's representation depends on every row, its
// order and the cursor; a hash of the exact bytes sent is a strong validator by definition.
//
// Who may cache what:
// - anonymous requests: `public, max-age=<CATALOG_HTTP_MAX_AGE_S>`: a CDN or the browser may
//   serve the answer for that long without asking (the staleness a write can see from anonymous
//   readers), then revalidates with If-None-Match (a 304 costs no body);
// - requests with an Authorization header: `private, no-cache`: never stored by a shared cache
//   (RFC 9111 §3.5), and the client's own cache revalidates on every use, so an admin keeps
//   reading their own writes (their reads go to the primary and skip the gateway's cache);
// - `Vary: Authorization` on both, so no cache hands an anonymous copy to an authenticated
//   request (CORS adds `Vary: Origin` itself);
// - a 404 (unknown or deleted product): `no-store`, for everyone. A 404 is heuristically
//   cacheable (RFC 9111 §4.2.2: a cache may store it without any header) and here it is not a
//   lasting answer: a product whose creation was answered 202 (its Location polled) is 404 until
//   the write completes, and a cached 404 would hide it for as long as the cache liked. Negative
//   caching would spare the gateway little (a 404 is one cheap read) for that risk.
import { hash } from 'node:crypto';
import type { ShopContext } from '../context';

/** A strong entity tag for exactly these bytes (SHA-1, base64url: 29 characters with the quotes). */
export function strongEtag(body: string): string {
  return `"${hash('sha1', body, 'base64url')}"`;
}

/**
 * The opaque tags of an If-None-Match field value (RFC 9110 §13.1.2: `*` or a comma-separated
 * list of entity tags, each possibly `W/`-prefixed), or '*'. Tags may contain commas, so the
 * value is scanned, not split. Anything that is not an entity tag ends the scan: the tags read
 * so far still count (a malformed list must not turn a match into a needless 200 either way,
 * and a recipient may ignore what it cannot parse).
 */
export function parseIfNoneMatch(value: string): '*' | string[] {
  const v = value.trim();
  if (v === '*') return '*';
  const tags: string[] = [];
  let i = 0;
  const n = v.length;
  while (i < n) {
    while (i < n && (v[i] === ' ' || v[i] === '\t' || v[i] === ',')) i++;
    if (i >= n) break;
    if (v.startsWith('W/', i)) i += 2;
    if (v[i] !== '"') break;
    const end = v.indexOf('"', i + 1);
    if (end < 0) break;
    tags.push(v.slice(i, end + 1));
    i = end + 1;
  }
  return tags;
}

/**
 * True when If-None-Match says the client's copy is current: weak comparison (RFC 9110 §8.8.3.2:
 * the opaque tags are equal, W/ ignored on either side), or `*` (a current representation exists).
 */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const tags = parseIfNoneMatch(ifNoneMatch);
  if (tags === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  return tags.includes(opaque);
}

export interface CacheableOptions {
  /** Seconds a shared cache or the browser may reuse an anonymous answer (CATALOG_HTTP_MAX_AGE_S). */
  maxAgeSeconds: number;
}

/** The Cache-Control of a read's 404: stored by no cache, shared or private. */
export const NOT_FOUND_CACHE_CONTROL = 'no-store';

export function cacheControlFor(ctx: ShopContext, opts: CacheableOptions): string {
  return ctx.get('Authorization') ? 'private, no-cache' : `public, max-age=${opts.maxAgeSeconds}`;
}

/**
 * Answers a GET/HEAD with `value` as JSON, cacheable: ETag, Cache-Control and Vary on the 200 and
 * on the 304 alike (RFC 9110 §15.4.5), and 304 with no body when If-None-Match matches.
 */
export function answerCacheable(ctx: ShopContext, value: unknown, opts: CacheableOptions): void {
  const json = JSON.stringify(value);
  const etag = strongEtag(json);
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', cacheControlFor(ctx, opts));
  ctx.vary('Authorization');
  if (ifNoneMatchMatches(ctx.get('If-None-Match'), etag)) {
    ctx.status = 304;
    return;
  }
  ctx.set('Content-Type', 'application/json; charset=utf-8');
  ctx.body = json;
}
