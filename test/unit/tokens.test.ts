import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenService } from '../../api/auth/tokens';

const secret = 'unit-test-secret-that-is-at-least-32-bytes';
const opts = { secret, issuer: 'temporal-shop', audience: 'temporal-shop-api', ttlSeconds: 3600 };
const tokens = new TokenService(opts);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const sign = (payload: object, o: jwt.SignOptions = {}) =>
  jwt.sign({ ver: 0, ...payload }, secret, {
    algorithm: 'HS256',
    issuer: opts.issuer,
    audience: opts.audience,
    expiresIn: 60,
    ...o,
  });

describe('TokenService', () => {
  it('issues a token it verifies, with sub, role and the account token version', () => {
    const { accessToken, tokenType, expiresIn } = tokens.issue({ id: 'u1', role: 'admin', tokenVersion: 3 });
    expect(tokenType).toBe('Bearer');
    expect(expiresIn).toBe(3600);
    expect(tokens.verify(accessToken)).toEqual({ sub: 'u1', role: 'admin', ver: 3 });
  });

  it("refuses a token once the account's token version has moved on (role or password change)", async () => {
    let account = { role: 'customer' as const, tokenVersion: 0 };
    const bound = new TokenService({ ...opts, principal: async () => account });
    const { accessToken } = bound.issue({ id: 'u1', role: 'customer', tokenVersion: 0 });
    expect(await bound.authenticate(accessToken)).toEqual({ sub: 'u1', role: 'customer', ver: 0 });
    account = { role: 'customer', tokenVersion: 1 };
    expect(await bound.authenticate(accessToken)).toBeUndefined();
  });

  it.each([
    [
      'alg none',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', role: 'admin', ver: 0, iss: opts.issuer, aud: opts.audience, exp: now() + 60 })}.`,
    ],
    ['wrong signature', () => sign({ role: 'admin' }, { subject: 'u1' }).slice(0, -2) + 'xx'],
    [
      'another secret',
      () =>
        jwt.sign({ role: 'admin', ver: 0 }, 'another-secret-of-at-least-32-bytes!!', {
          algorithm: 'HS256',
          subject: 'u1',
          issuer: opts.issuer,
          audience: opts.audience,
          expiresIn: 60,
        }),
    ],
    [
      'expired',
      () =>
        jwt.sign({ role: 'customer', ver: 0, exp: now() - 10 }, secret, {
          algorithm: 'HS256',
          subject: 'u1',
          issuer: opts.issuer,
          audience: opts.audience,
        }),
    ],
    ['not yet valid', () => sign({ role: 'customer' }, { subject: 'u1', notBefore: 120 })],
    ['wrong issuer', () => sign({ role: 'customer' }, { subject: 'u1', issuer: 'evil' })],
    ['wrong audience', () => sign({ role: 'customer' }, { subject: 'u1', audience: 'other-api' })],
    ['missing sub', () => sign({ role: 'customer' })],
    ['missing role', () => sign({}, { subject: 'u1' })],
    ['unknown role', () => sign({ role: 'root' }, { subject: 'u1' })],
    ['missing token version', () => sign({ role: 'customer', ver: undefined }, { subject: 'u1' })],
    ['negative token version', () => sign({ role: 'customer', ver: -1 }, { subject: 'u1' })],
    [
      'no exp',
      () =>
        jwt.sign({ role: 'admin', ver: 0 }, secret, {
          algorithm: 'HS256',
          subject: 'u1',
          issuer: opts.issuer,
          audience: opts.audience,
        }),
    ],
    [
      'HS256 signed with an RSA public key (algorithm confusion)',
      () => {
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const head = b64({ alg: 'HS256', typ: 'JWT' });
        const body = b64({ sub: 'u1', role: 'admin', ver: 0, iss: opts.issuer, aud: opts.audience, exp: now() + 60 });
        return `${head}.${body}.${createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url')}`;
      },
    ],
    ['garbage', () => 'not-a-jwt'],
  ])('rejects %s', (_name, make) => {
    expect(tokens.verify(make())).toBeUndefined();
  });
});
