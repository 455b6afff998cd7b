// The verdict of one cell of the access matrix: what a caller may get from an operation with a
// given rule. Separate from the HTTP so its negative controls can show it catches leaks.
/** customer: a customer account's own resource found through the token alone (the cart); admins have none. */
export type AccessRule = 'public' | 'user' | 'owner' | 'admin' | 'customer';
export type Caller = 'anonymous' | 'owner' | 'other' | 'admin';

/**
 * Who may call what (the public HTTP contract), per operation of the OpenAPI document; the access
 * matrix (security.test.ts) and the edge fuzz (fuzz-edge.test.ts) both judge by it. "owner" = the customer the resource belongs to, or an admin. */
export const ACCESS_RULES: Record<string, AccessRule> = {
  'POST /api/users/register': 'public',
  'POST /api/users/login': 'public',
  'GET /api/users/me': 'user',
  'GET /api/users/{id}': 'owner',
  'GET /api/products': 'public',
  'GET /api/products/{id}': 'public',
  'POST /api/products': 'admin',
  'PUT /api/products/{id}': 'admin',
  'DELETE /api/products/{id}': 'admin',
  'POST /api/orders': 'user',
  'GET /api/orders': 'user',
  'GET /api/orders/{id}': 'owner',
  'PUT /api/orders/{id}/cancel': 'owner',
  'PUT /api/orders/{id}/ship': 'admin',
  'GET /api/cart': 'customer',
  'PUT /api/cart/items/{productId}': 'customer',
  'DELETE /api/cart/items/{productId}': 'customer',
  'DELETE /api/cart': 'customer',
  'POST /api/cart/checkout': 'customer',
  'POST /api/webhooks': 'admin',
  'GET /api/webhooks': 'admin',
  'GET /api/webhooks/{id}': 'admin',
  'PATCH /api/webhooks/{id}': 'admin',
  'DELETE /api/webhooks/{id}': 'admin',
  'GET /api/webhooks/{id}/deliveries': 'admin',
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/retry': 'admin',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
};

/** Returns why the response is a violation, or undefined when it is what the rule allows. */
export function judge(
  rule: AccessRule,
  caller: Caller,
  status: number,
  body: string,
  ownedId?: string,
): string | undefined {
  if (status >= 500) return `server error ${status}`;
  const denied = status === 401 || status === 403;
  if (rule === 'public') return denied ? `public operation refused (${status})` : undefined;
  if (caller === 'anonymous') return status === 401 ? undefined : `anonymous caller not refused (${status})`;
  if (rule === 'admin' && caller !== 'admin') return status === 403 ? undefined : `non-admin not refused (${status})`;
  if (rule === 'customer') {
    if (caller === 'admin') return status === 403 ? undefined : `admin not refused (${status})`;
    if (denied) return `customer refused (${status})`;
    if (caller === 'other' && ownedId && body.includes(ownedId)) return "another customer's cart leaked";
    return undefined;
  }
  if (rule === 'owner' && caller === 'other') {
    if (status !== 403 && status !== 404) return `another customer's resource not refused (${status})`;
    if (ownedId && body.includes(ownedId)) return "another customer's resource leaked in the error body";
    return undefined;
  }
  if (denied) return `allowed caller refused (${status})`;
  if (rule === 'owner' && status === 404) return 'owner cannot see their own resource';
  return undefined;
}
