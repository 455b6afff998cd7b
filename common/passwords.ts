// Password hashing, in one place for the gateway (register, login) and the admin seed.
import bcrypt from 'bcrypt';

/** bcrypt cost 10: about 65 ms a hash on a 2-core machine. */
export const BCRYPT_COST = 10;

/** bcrypt reads only the first 72 bytes: longer passwords are refused, never silently cut. */
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

export const hashPassword = (password: string): Promise<string> => bcrypt.hash(password, BCRYPT_COST);
export const verifyPassword = (password: string, hash: string): Promise<boolean> => bcrypt.compare(password, hash);
