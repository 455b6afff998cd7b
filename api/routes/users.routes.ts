// /api/users: register (registerUser workflow), login (JWT), me, and user by ID.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import bcrypt from 'bcrypt';
import { z } from 'zod';
import { BCRYPT_COST, hashPassword, PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../../common/passwords';
import { UserEntity } from '../../db/entities';
import { onPrimary } from '../../db/primary';
import { toUserView } from '../../db/views';
import { USERS_TASK_QUEUE, registerUserWorkflowId } from '../../workflows/users/contract';
import type { registerUser } from '../../workflows/users/register-user.workflow';
import { authenticate } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { parseBody, parseParams } from '../middleware/validate';
import type { ApiDeps, ShopState } from '../context';
import { ProblemError, forbidden, notFound, unauthorized } from '../problem';
import { businessMetrics } from '../../common/metrics';

const password = z
  .string()
  .refine((p) => Buffer.byteLength(p, 'utf8') >= PASSWORD_MIN_BYTES, `must be at least ${PASSWORD_MIN_BYTES} bytes`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`);
const email = z.string().trim().toLowerCase().max(254).email();

export const registerSchema = z.object({ email, password, name: z.string().trim().min(1).max(100) });
export const loginSchema = z.object({
  email: z.string().trim().toLowerCase().max(254),
  password: z.string().max(1024),
});
const idParams = z.object({ id: z.string().uuid('must be a UUID') });

// Compared against when the e-mail is unknown, so both failures cost one bcrypt compare.
const DUMMY_HASH = bcrypt.hashSync('timing-equaliser-not-a-password', BCRYPT_COST);

export function usersRouter(deps: ApiDeps): Router<ShopState> {
  const router = new Router<ShopState>({ prefix: '/api/users' });
  const users = () => deps.dataSource.getRepository(UserEntity);
  const loginLimiter = rateLimit({
    name: 'login',
    max: deps.config.LOGIN_RATE_LIMIT_MAX,
    durationMs: deps.config.LOGIN_RATE_LIMIT_WINDOW_MS,
    id: (ctx) =>
      `${ctx.ip}:${String((ctx.request as { body?: { email?: unknown } }).body?.email ?? '')
        .toLowerCase()
        .slice(0, 254)}`,
    redis: deps.redis,
    rejections: businessMetrics(deps.metrics).rateLimited,
  });

  router.post('/register', async (ctx) => {
    const input = parseBody(ctx, registerSchema); // unknown fields (e.g. role) are stripped
    const userId = randomUUID();
    const passwordHash = await hashPassword(input.password);
    const user = await deps.temporal.workflow.execute<typeof registerUser>('registerUser', {
      workflowId: registerUserWorkflowId(userId),
      taskQueue: USERS_TASK_QUEUE,
      args: [{ userId, email: input.email, name: input.name, passwordHash, requestId: ctx.state.requestId }],
      memo: { requestId: ctx.state.requestId },
    });
    ctx.status = 201;
    ctx.set('Location', `/api/users/${user.id}`);
    ctx.body = user;
  });

  router.post('/login', loginLimiter, async (ctx) => {
    const input = parseBody(ctx, loginSchema);
    // The primary, not a replica: a user who has just registered must be able to log in.
    const user = await onPrimary(deps.dataSource, (em) =>
      em.getRepository(UserEntity).findOne({ where: { email: input.email } }),
    );
    const ok = await bcrypt.compare(input.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.deletedAt)
      throw new ProblemError(401, 'INVALID_CREDENTIALS', 'Unauthorized', 'E-mail or password is incorrect');
    ctx.body = { ...deps.tokens.issue(user), user: toUserView(user) };
  });

  router.get('/me', authenticate(deps.tokens, { required: true }), async (ctx) => {
    const user = await users().findOneBy({ id: ctx.state.user!.sub });
    if (!user || user.deletedAt) throw unauthorized('The account no longer exists');
    ctx.body = toUserView(user);
  });

  router.get('/:id', authenticate(deps.tokens, { required: true }), async (ctx) => {
    const { id } = parseParams(ctx, idParams);
    const me = ctx.state.user!;
    // Others' IDs get 403 whether or not they exist: no account enumeration.
    if (me.role !== 'admin' && me.sub !== id) throw forbidden('You may only read your own account');
    const user = await users().findOneBy({ id });
    if (!user || user.deletedAt) throw notFound('User');
    ctx.body = toUserView(user);
  });

  return router;
}
