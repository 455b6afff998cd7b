// The opaque keyset cursor of every list route: the (createdAt, id) of the last item of a page,
// base64url-encoded JSON. Clients must treat it as opaque; anything that does not decode to
// exactly that shape is refused (400), never passed on to SQL.
export interface ListCursor {
  createdAt: Date;
  id: string;
}

/** The longest cursor any list route accepts. */
export const CURSOR_MAX_LENGTH = 512;
const CURSOR = new RegExp(`^[A-Za-z0-9_-]{1,${CURSOR_MAX_LENGTH}}$`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(c: { createdAt: string | Date; id: string }): string {
  const createdAt = typeof c.createdAt === 'string' ? c.createdAt : c.createdAt.toISOString();
  return Buffer.from(JSON.stringify({ c: createdAt, i: c.id }), 'utf8').toString('base64url');
}

/** The cursor, or undefined when the string is not one of ours. */
export function decodeCursor(raw: string): ListCursor | undefined {
  if (!CURSOR.test(raw)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { c, i, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length || typeof c !== 'string' || typeof i !== 'string') return undefined;
  if (!ISO_MS.test(c) || !UUID.test(i)) return undefined;
  const createdAt = new Date(c);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== c) return undefined;
  return { createdAt, id: i };
}
