import { z } from 'zod';

export const me = z.object({
  subject: z.string(),
  roles: z.array(z.enum(['viewer', 'admin'])),
  via: z.enum(['bearer', 'session', 'disabled']),
  authMode: z.enum(['oidc', 'disabled']),
  expiresAt: z.string().optional(),
  webLogin: z.boolean(),
});
export type MeView = z.infer<typeof me>;
