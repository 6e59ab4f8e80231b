import { z } from 'zod';
import { Id, Timestamp } from './common.js';

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

/** An API token's metadata (its secret is shown once, at creation). */
export const ApiToken = z.object({
  id: Id,
  name: z.string(),
  scopes: z.array(TokenScope),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** POST /api/tokens */
export const CreateTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(TokenScope).min(1).max(TokenScope.options.length),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

/** The created token with its secret; send it as `Authorization: Bearer <token>`. */
export const CreatedToken = z.object({ token: z.string(), apiToken: ApiToken });
export type CreatedToken = z.infer<typeof CreatedToken>;
