// JWT issue and verification: HS256 only, with a prebuilt KeyObject (verification with a
// string secret re-derives the key on every call, ~50x slower), and every claim checked.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { UserRole, UserView } from '../../workflows/users/contract';

export interface AuthClaims {
  sub: string;
  role: UserRole;
}

export interface TokenServiceOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /**
   * The account behind a token's subject, as it is now (undefined when deleted). Lets a token
   * die with its account and a role change take effect before the token expires.
   */
  principal?: (userId: string) => Promise<{ role: UserRole } | undefined>;
}

export class TokenService {
  private readonly key: KeyObject;

  constructor(private readonly opts: TokenServiceOptions) {
    this.key = createSecretKey(Buffer.from(opts.secret, 'utf8'));
  }

  issue(user: Pick<UserView, 'id' | 'role'>): { accessToken: string; tokenType: 'Bearer'; expiresIn: number } {
    const accessToken = jwt.sign({ role: user.role }, this.key, {
      algorithm: 'HS256',
      subject: user.id,
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      expiresIn: this.opts.ttlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.opts.ttlSeconds };
  }

  /** Verifies the token and that its account still exists; the role is the account's current one. */
  async authenticate(token: string): Promise<AuthClaims | undefined> {
    const claims = this.verify(token);
    if (!claims || !this.opts.principal) return claims;
    const account = await this.opts.principal(claims.sub);
    return account ? { sub: claims.sub, role: account.role } : undefined;
  }

  /** Returns the claims, or undefined for any token that is not fully valid. */
  verify(token: string): AuthClaims | undefined {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
      }) as jwt.JwtPayload;
      const { sub, role } = payload;
      if (typeof sub !== 'string' || sub.length === 0) return undefined;
      if (role !== 'customer' && role !== 'admin') return undefined;
      if (typeof payload.exp !== 'number') return undefined;
      return { sub, role };
    } catch {
      return undefined;
    }
  }
}
