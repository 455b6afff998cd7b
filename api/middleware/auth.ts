// Bearer-token authentication and role checks as small router middleware.
import type { Middleware } from 'koa';
import type { TokenService } from '../auth/tokens';
import type { ShopState } from '../context';
import { forbidden, unauthorized } from '../problem';

/** Sets ctx.state.user from a valid token; rejects a present-but-invalid token. */
export function authenticate(tokens: TokenService, opts: { required: boolean }): Middleware<ShopState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (!header) {
      if (opts.required) throw unauthorized();
      return next();
    }
    const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(header);
    const claims = match ? await tokens.authenticate(match[1]) : undefined;
    if (!claims) throw unauthorized('The bearer token is invalid or expired');
    ctx.state.user = claims;
    ctx.state.log = ctx.state.log.child({ userId: claims.sub });
    return next();
  };
}

export function requireAdmin(): Middleware<ShopState> {
  return async (ctx, next) => {
    if (!ctx.state.user) throw unauthorized();
    if (ctx.state.user.role !== 'admin') throw forbidden('Administrator role required');
    return next();
  };
}
