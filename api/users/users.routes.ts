// /api/users: register (registerUser workflow), login (JWT), me, and user by ID.
import Router from '@koa/router';
import bcrypt from 'bcrypt';
import { businessMetrics } from '../../common/metrics';
import { BCRYPT_COST, PASSWORD_MAX_BYTES } from '../../common/passwords';
import { toUserView } from '../../db/views';
import type { ApiDeps, ShopContext, ShopState } from '../context';
import { authenticate } from '../middleware/auth';
import { clientKey } from '../middleware/client-key';
import { rateLimit } from '../middleware/rate-limit';
import { parseBody, parseParams } from '../middleware/validate';
import { ProblemError, forbidden, notFound, unauthorized } from '../problem';
import { idParams } from '../shared/id-params';
import { registerUserCommand } from './users.commands';
import { canonicalEmail, loginSchema, registerSchema } from './users.input';
import { findUser, findUserByEmail } from './users.queries';

// Compared against when the e-mail is unknown, so both failures cost one bcrypt compare.
const DUMMY_HASH = bcrypt.hashSync('timing-equaliser-not-a-password', BCRYPT_COST);

/** The account a login names, as login resolves it: no spelling buys a fresh budget. */
const loginAccount = (ctx: ShopContext) => canonicalEmail((ctx.request as { body?: { email?: unknown } }).body?.email);

export function usersRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/users' });
  const loginLimiter = rateLimit({
    name: 'login',
    max: deps.config.LOGIN_RATE_LIMIT_MAX,
    durationMs: deps.config.LOGIN_RATE_LIMIT_WINDOW_MS,
    id: (ctx) => `${clientKey(ctx.ip)}:${loginAccount(ctx)}`,
    redis: deps.redis,
    rejections: businessMetrics(deps.metrics).rateLimited,
  });
  const accountLoginLimiter = rateLimit({
    name: 'login-account',
    max: deps.config.LOGIN_ACCOUNT_RATE_LIMIT_MAX,
    durationMs: deps.config.LOGIN_RATE_LIMIT_WINDOW_MS,
    // No e-mail to key on (missing, not a string): validation refuses it; no shared budget.
    id: (ctx) => loginAccount(ctx) || false,
    redis: deps.redis,
    rejections: businessMetrics(deps.metrics).rateLimited,
  });

  router.post('/register', async (ctx) => {
    const input = parseBody(ctx, registerSchema);
    const outcome = await registerUserCommand(deps, input, ctx.state.requestId);
    if ('accepted' in outcome) {
      ctx.status = 202;
      ctx.set('Location', `/api/users/${outcome.accepted.id}`);
      ctx.body = outcome.accepted;
      return;
    }
    ctx.status = 201;
    ctx.set('Location', `/api/users/${outcome.user.id}`);
    ctx.body = outcome.user;
  });

  router.post('/login', loginLimiter, accountLoginLimiter, async (ctx) => {
    const input = parseBody(ctx, loginSchema);
    const user = await findUserByEmail(deps.dataSource, input.email);
    // bcrypt ignores bytes past 72: a longer password would log in on its first 72 bytes alone.
    const tooLong = Buffer.byteLength(input.password, 'utf8') > PASSWORD_MAX_BYTES;
    const ok = await bcrypt.compare(input.password, tooLong || !user ? DUMMY_HASH : user.passwordHash);
    if (!user || !ok || tooLong || user.deletedAt)
      throw new ProblemError(401, 'INVALID_CREDENTIALS', 'Unauthorized', 'E-mail or password is incorrect');
    ctx.body = { ...deps.tokens.issue(user), user: toUserView(user) };
  });

  router.get('/me', authenticate(deps.tokens, { required: true }), async (ctx) => {
    const user = await findUser(deps.dataSource, ctx.state.user!.sub);
    if (!user) throw unauthorized('The account no longer exists');
    ctx.body = toUserView(user);
  });

  router.get('/:id', authenticate(deps.tokens, { required: true }), async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const me = ctx.state.user!;
    // Others' IDs get 403 whether or not they exist: no account enumeration.
    if (me.role !== 'admin' && me.sub !== id) throw forbidden('You may only read your own account');
    const user = await findUser(deps.dataSource, id);
    if (!user) throw notFound('User');
    ctx.body = toUserView(user);
  });

  return router;
}
