// The path parameter of every /:id route: a UUID, lower-cased so that the same ID in either
// case names the same row (and the same workflow ID).
import { z } from 'zod';

export const uuid = z
  .string()
  .uuid('must be a UUID')
  .transform((s) => s.toLowerCase());

export const idParams = z.object({ id: uuid });
