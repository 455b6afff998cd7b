// JWT issue and verification: HS256 only, with a prebuilt KeyObject (verification with a
// string secret re-derives the key on every call, ~50x slower), and every claim checked.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { UserRole, UserView } from '../../workflows/users/contract';

export interface AuthClaims {
  sub: string;
  role: UserRole;
  /** The account's token version when the token was issued (`ver`). */
  ver: number;
}

/** The account behind a token as it is now. */
export interface Principal {
  role: UserRole;
  tokenVersion: number;
}

export interface TokenServiceOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /**
   * The account behind a token's subject, as it is now (undefined when deleted). Lets a token
   * die with its account, and with every role or password change (the account's token version
   * moves on), before it expires.
   */
  principal?: (userId: string) => Promise<Principal | undefined>;
}

export class TokenService {
  private readonly key: KeyObject;

  constructor(private readonly opts: TokenServiceOptions) {
    this.key = createSecretKey(Buffer.from(opts.secret, 'utf8'));
  }

  issue(user: Pick<UserView, 'id' | 'role'> & { tokenVersion: number }): {
    accessToken: string;
    tokenType: 'Bearer';
    expiresIn: number;
  } {
    const accessToken = jwt.sign({ role: user.role, ver: user.tokenVersion }, this.key, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      expiresIn: this.opts.ttlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.opts.ttlSeconds };
  }

  /**
   * Verifies the token, that its account still exists and that the account's token version is
   * still the token's; the role is the account's current one.
   */
  async authenticate(token: string): Promise<AuthClaims | undefined> {
    const claims = this.verify(token);
    if (!claims || !this.opts.principal) return claims;
    const account = await this.opts.principal(claims.sub);
    if (!account || account.tokenVersion !== claims.ver) return undefined;
    return { sub: claims.sub, role: account.role, ver: claims.ver };
  }

  /** Returns the claims, or undefined for any token that is not fully valid. */
  verify(token: string): AuthClaims | undefined {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
      }) as jwt.JwtPayload;
      const { sub, role, ver } = payload;
      if (typeof sub !== 'string' || sub.length === 0) return undefined;
      if (role !== 'customer' && role !== 'admin') return undefined;
      if (typeof payload.exp !== 'number') return undefined;
      if (!Number.isSafeInteger(ver) || ver < 0) return undefined;
      return { sub, role, ver };
    } catch {
      return undefined;
    }
  }
}
