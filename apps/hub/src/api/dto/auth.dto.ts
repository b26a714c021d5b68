import { z } from 'zod';

/** A same-site path: starts with one slash, no scheme, no `//` (no open redirect). */
const localPath = z
  .string()
  .max(2048)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this site');
export const loginQuery = z
  .object({
    returnTo: localPath.default('/'),
    login_hint: z.string().max(256).optional(),
  })
  .strict();
export type LoginQuery = z.infer<typeof loginQuery>;
