// The answers of the users routes, as the OpenAPI document describes them. `satisfies` ties each
// schema to the view type the handlers build, so the two cannot drift apart unnoticed.
import type { UserView } from '../../workflows/users/contract';
import { z } from '../openapi/zod-openapi';

export const userSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string().email(),
    name: z.string(),
    role: z.enum(['customer', 'admin']),
    createdAt: z.string().datetime(),
  })
  .openapi('User') satisfies z.ZodType<UserView>;

export const loginResponseSchema = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'seconds' }),
    user: userSchema,
  })
  .openapi('LoginResponse');
