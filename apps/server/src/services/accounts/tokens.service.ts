import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import {
  SCOPES_BY_ROLE,
  type ApiToken,
  type CreateTokenBody,
  type CreatedToken,
  type TokenScope,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { apiTokens } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from './actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { sha256 } from './auth.service.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { DAY_MS, tokenExpiry } from './token-expiry.js';

/** How long API tokens work, in days: when the creator does not choose, and at most. */
export interface TokenLifetime {
  default: number;
  max: number;
}

const toApiToken = (r: typeof apiTokens.$inferSelect, maxDays: number): ApiToken => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes as TokenScope[],
  createdAt: iso(r.createdAt),
  expiresAt: iso(tokenExpiry(r, maxDays)),
  lastUsedAt: isoOrNull(r.lastUsedAt),
  revokedAt: isoOrNull(r.revokedAt),
});

/** Scoped API tokens for integrations, owned by one staff user. */
export class TokenService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lifetime: TokenLifetime,
  ) {}

  /** The caller's tokens, newest first (revoked ones included, for the record). */
  async list(actor: Actor): Promise<ApiToken[]> {
    const rows = await this.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.userId, actor.userId))
      .orderBy(desc(apiTokens.createdAt));
    return rows.map((r) => toApiToken(r, this.lifetime.max));
  }

  /** Create a token; the secret is returned once and only its hash is kept. */
  async create(actor: Actor, body: CreateTokenBody): Promise<CreatedToken> {
    const allowed = SCOPES_BY_ROLE[actor.role];
    const excess = body.scopes.filter((s) => !allowed.includes(s));
    if (excess.length > 0) {
      throw errors.forbidden(`Your role cannot grant: ${excess.join(', ')}`);
    }
    const days = body.expiresInDays ?? this.lifetime.default;
    if (days > this.lifetime.max) {
      throw errors.validation(`A token may work at most ${this.lifetime.max} days`, {
        maxDays: this.lifetime.max,
      });
    }
    const token = `inv_${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + days * DAY_MS);
    const row = await this.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(apiTokens)
        .values({
          userId: actor.userId,
          name: body.name,
          tokenHash: sha256(token),
          scopes: [...new Set(body.scopes)],
          createdAt: now,
          expiresAt,
        })
        .returning();
      if (!created) throw new Error('insert returned nothing');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'token.create',
        entityType: 'api_token',
        entityId: created.id,
        data: { name: body.name, scopes: created.scopes, expiresAt: expiresAt.toISOString() },
      });
      return created;
    });
    return { token, apiToken: toApiToken(row, this.lifetime.max) };
  }

  /** Revoke one of the caller's tokens (idempotent). */
  async revoke(actor: Actor, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, actor.userId)));
      if (!row) throw errors.notFound('API token');
      if (row.revokedAt) return;
      await tx
        .update(apiTokens)
        .set({ revokedAt: this.clock.now() })
        .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'token.revoke',
        entityType: 'api_token',
        entityId: id,
      });
    });
  }
}
