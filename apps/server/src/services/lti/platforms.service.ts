import { and, asc, count, eq, inArray, ne } from 'drizzle-orm';
import type { LtiPlatform, LtiPlatformInput } from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { ltiDeployments, ltiPlatforms, ltiResourceLinks } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendAudit } from '../audit/audit.service.js';
import { iso } from '../sessions/time.js';

/** A platform registration row. */
export type PlatformRow = typeof ltiPlatforms.$inferSelect;

const exists = () =>
  errors.conflict(
    'LTI_PLATFORM_EXISTS',
    'A platform with this issuer and client ID is already registered',
    [{ path: 'body.clientId', message: 'Already registered for this issuer' }],
  );

/** A unique-index violation (PostgreSQL 23505), as the driver or drizzle's wrapper reports it. */
function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

// What the audit log keeps of a registration: no secrets exist in it, but keep it short.
const auditView = (p: LtiPlatformInput) => ({
  name: p.name,
  issuer: p.issuer,
  clientId: p.clientId,
  deploymentIds: p.deploymentIds,
  instructorRole: p.instructorRole,
  adminRole: p.adminRole,
});

/**
 * Platform registrations (admins): the learning platforms whose launches Invigil accepts,
 * each with the deployment ids it may launch from. Each change is one transaction with its
 * audit entry.
 */
export class LtiPlatformService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Every registration, by name. */
  async list(): Promise<LtiPlatform[]> {
    const rows = await this.db.select().from(ltiPlatforms).orderBy(asc(ltiPlatforms.name));
    return this.views(this.db, rows);
  }

  /** One registration; 404 when there is none. */
  async get(id: string): Promise<LtiPlatform> {
    const [row] = await this.db.select().from(ltiPlatforms).where(eq(ltiPlatforms.id, id));
    if (!row) throw errors.notFound('LTI platform');
    const [view] = await this.views(this.db, [row]);
    return view!;
  }

  /** Register a platform; 409 LTI_PLATFORM_EXISTS for an (issuer, client id) already there. */
  async create(
    actorId: string | null,
    input: LtiPlatformInput,
    via: 'manual' | 'dynamic' = 'manual',
  ): Promise<LtiPlatform> {
    const now = this.clock.now();
    try {
      return await this.db.transaction(async (tx) => {
        const [taken] = await tx
          .select({ id: ltiPlatforms.id })
          .from(ltiPlatforms)
          .where(
            and(eq(ltiPlatforms.issuer, input.issuer), eq(ltiPlatforms.clientId, input.clientId)),
          );
        if (taken) throw exists();
        const [row] = await tx
          .insert(ltiPlatforms)
          .values({ ...columns(input), createdVia: via, createdAt: now, updatedAt: now })
          .returning();
        await setDeployments(tx, row!.id, input.deploymentIds, now);
        await appendAudit(
          tx,
          {
            actorId,
            action: 'lti.platform.create',
            entityType: 'lti_platform',
            entityId: row!.id,
            data: { ...auditView(input), via },
          },
          now,
        );
        const [view] = await this.views(tx, [row!]);
        return view!;
      });
    } catch (err) {
      // Another registration of the same pair committed between the check and the insert.
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
  }

  /** Replace a registration's settings and deployment ids. */
  async update(actorId: string, id: string, input: LtiPlatformInput): Promise<LtiPlatform> {
    const now = this.clock.now();
    try {
      return await this.db.transaction(async (tx) => {
        const [taken] = await tx
          .select({ id: ltiPlatforms.id })
          .from(ltiPlatforms)
          .where(
            and(
              eq(ltiPlatforms.issuer, input.issuer),
              eq(ltiPlatforms.clientId, input.clientId),
              ne(ltiPlatforms.id, id),
            ),
          );
        if (taken) throw exists();
        const [row] = await tx
          .update(ltiPlatforms)
          .set({ ...columns(input), updatedAt: now })
          .where(eq(ltiPlatforms.id, id))
          .returning();
        if (!row) throw errors.notFound('LTI platform');
        await setDeployments(tx, id, input.deploymentIds, now);
        await appendAudit(
          tx,
          {
            actorId,
            action: 'lti.platform.update',
            entityType: 'lti_platform',
            entityId: id,
            data: auditView(input),
          },
          now,
        );
        const [view] = await this.views(tx, [row]);
        return view!;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
  }

  /** Remove a registration: its deployments, links and their history go with it. */
  async remove(actorId: string, id: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(ltiPlatforms).where(eq(ltiPlatforms.id, id)).returning();
      if (!row) throw errors.notFound('LTI platform');
      await appendAudit(
        tx,
        {
          actorId,
          action: 'lti.platform.delete',
          entityType: 'lti_platform',
          entityId: id,
          data: { name: row.name, issuer: row.issuer, clientId: row.clientId },
        },
        now,
      );
    });
  }

  /** The registration a login initiation names: by (issuer, client id), else the issuer's only one. */
  async findForLogin(issuer: string, clientId: string | undefined): Promise<PlatformRow | null> {
    const rows = await this.db
      .select()
      .from(ltiPlatforms)
      .where(
        clientId === undefined
          ? eq(ltiPlatforms.issuer, issuer)
          : and(eq(ltiPlatforms.issuer, issuer), eq(ltiPlatforms.clientId, clientId)),
      )
      .limit(2);
    return rows.length === 1 ? rows[0]! : null;
  }

  /** A registration row by id (launch and deep linking). */
  async row(id: string): Promise<PlatformRow | null> {
    const [row] = await this.db.select().from(ltiPlatforms).where(eq(ltiPlatforms.id, id));
    return row ?? null;
  }

  /** Whether a deployment id is registered for the platform. */
  async hasDeployment(platformId: string, deploymentId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: ltiDeployments.deploymentId })
      .from(ltiDeployments)
      .where(
        and(
          eq(ltiDeployments.platformId, platformId),
          eq(ltiDeployments.deploymentId, deploymentId),
        ),
      );
    return row !== undefined;
  }

  private async views(tx: DbOrTx, rows: PlatformRow[]): Promise<LtiPlatform[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const deployments = await tx
      .select()
      .from(ltiDeployments)
      .where(inArray(ltiDeployments.platformId, ids))
      .orderBy(asc(ltiDeployments.createdAt), asc(ltiDeployments.deploymentId));
    const links = await tx
      .select({ platformId: ltiResourceLinks.platformId, n: count() })
      .from(ltiResourceLinks)
      .where(inArray(ltiResourceLinks.platformId, ids))
      .groupBy(ltiResourceLinks.platformId);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      issuer: r.issuer,
      clientId: r.clientId,
      authLoginUrl: r.authLoginUrl,
      authTokenUrl: r.authTokenUrl,
      tokenAudience: r.tokenAudience,
      jwksUrl: r.jwksUrl,
      deploymentIds: deployments.filter((d) => d.platformId === r.id).map((d) => d.deploymentId),
      instructorRole: r.instructorRole as LtiPlatform['instructorRole'],
      adminRole: r.adminRole as LtiPlatform['adminRole'],
      createdVia: r.createdVia as LtiPlatform['createdVia'],
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      linkCount: Number(links.find((l) => l.platformId === r.id)?.n ?? 0),
    }));
  }
}

/** The columns an input sets. */
const columns = (input: LtiPlatformInput) => ({
  name: input.name,
  issuer: input.issuer,
  clientId: input.clientId,
  authLoginUrl: input.authLoginUrl,
  authTokenUrl: input.authTokenUrl,
  tokenAudience: input.tokenAudience,
  jwksUrl: input.jwksUrl,
  instructorRole: input.instructorRole,
  adminRole: input.adminRole,
});

/** Make the platform's deployment ids exactly `ids` (kept ones keep their creation time). */
async function setDeployments(tx: DbOrTx, platformId: string, ids: string[], now: Date) {
  const wanted = [...new Set(ids)];
  const current = await tx
    .select({ id: ltiDeployments.deploymentId })
    .from(ltiDeployments)
    .where(eq(ltiDeployments.platformId, platformId));
  const gone = current.map((c) => c.id).filter((id) => !wanted.includes(id));
  if (gone.length > 0) {
    await tx
      .delete(ltiDeployments)
      .where(
        and(eq(ltiDeployments.platformId, platformId), inArray(ltiDeployments.deploymentId, gone)),
      );
  }
  const added = wanted.filter((id) => !current.some((c) => c.id === id));
  if (added.length > 0) {
    await tx
      .insert(ltiDeployments)
      .values(added.map((deploymentId) => ({ platformId, deploymentId, createdAt: now })));
  }
}
