// Who is calling and what they may do: roles from the groups claim of a verified access token.

export const ROLES = { viewer: 'viewer', admin: 'admin' } as const;
export type Role = (typeof ROLES)[keyof typeof ROLES];

/** What a route needs: any authenticated caller, a viewer (read), or an admin (retry, rollout control). */
export const ACCESS = { authenticated: 'authenticated', ...ROLES } as const;
export type Access = (typeof ACCESS)[keyof typeof ACCESS];

export interface Principal {
  /** `sub`, or `client_id` for a machine token without one. */
  subject: string;
  roles: Role[];
  /** How the caller authenticated. */
  via: 'bearer' | 'session' | 'disabled';
  /** Epoch seconds the credential stops being valid (`exp`); undefined when unknown. */
  expiresAt?: number;
  /** The web session's id (`via: 'session'`), which sign-out revokes. */
  sessionId?: string;
}

export interface RoleMapping {
  /** Claim holding the groups; a dotted path reaches into objects (`realm_access.roles`). */
  groupsClaim: string;
  adminGroups: readonly string[];
  viewerGroups: readonly string[];
}

/** The groups in a claim value: an array of strings, or one string of space- or comma-separated groups. */
export function groupsFromClaims(claims: Record<string, unknown>, groupsClaim: string): string[] {
  let value: unknown = claims;
  for (const part of groupsClaim.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((g) => g !== '');
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}

/** Admin implies viewer; no matching group means no role (authenticated, but every API route answers 403). */
export function rolesFromClaims(claims: Record<string, unknown>, mapping: RoleMapping): Role[] {
  const groups = new Set(groupsFromClaims(claims, mapping.groupsClaim));
  if (mapping.adminGroups.some((g) => groups.has(g))) return [ROLES.viewer, ROLES.admin];
  if (mapping.viewerGroups.some((g) => groups.has(g))) return [ROLES.viewer];
  return [];
}

export function isAllowed(principal: Principal, access: Access): boolean {
  return access === ACCESS.authenticated || principal.roles.includes(access);
}
