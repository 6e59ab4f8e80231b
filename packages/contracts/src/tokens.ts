import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import type { Role } from './users.js';

/** What an API token may do. A token never exceeds its owner's role. */
export const TokenScope = z.enum([
  'exams:read',
  'exams:write',
  'registrations:read',
  'registrations:write',
  'sessions:read',
  'sessions:write',
  'users:read',
  'users:write',
]);
export type TokenScope = z.infer<typeof TokenScope>;

/**
 * Which scopes each role's tokens carry: never more than the role itself can do. The one
 * rule, checked when a token is made and again at every use (a role can change later).
 */
export const SCOPES_BY_ROLE: Record<Role, readonly TokenScope[]> = {
  student: [],
  proctor: ['exams:read', 'registrations:read', 'sessions:read', 'sessions:write'],
  instructor: [
    'exams:read',
    'exams:write',
    'registrations:read',
    'sessions:read',
    'sessions:write',
  ],
  admin: TokenScope.options,
};

/** The scopes of `scopes` that `role` may hold. */
export const scopesAllowed = (role: Role, scopes: readonly TokenScope[]): TokenScope[] =>
  scopes.filter((s) => SCOPES_BY_ROLE[role].includes(s));

/** An API token's metadata (its secret is shown once, at creation). */
export const ApiToken = z.object({
  id: Id,
  name: z.string(),
  scopes: z.array(TokenScope),
  createdAt: Timestamp,
  /** When it stops working (tokens from before expiry existed: creation + the longest allowed). */
  expiresAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** POST /api/tokens */
export const CreateTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(TokenScope).min(1).max(TokenScope.options.length),
  /** Days the token works; default and maximum are the server's API_TOKEN_*_DAYS settings. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** The created token with its secret; send it as `Authorization: Bearer <token>`. */
export const CreatedToken = z.object({ token: z.string(), apiToken: ApiToken });
export type CreatedToken = z.infer<typeof CreatedToken>;
