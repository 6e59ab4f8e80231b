import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, ltiDeployments } from '../src/db/schema.js';
import type { HttpClient } from './helpers/http-client.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const PUBLIC_URL = 'https://invigil.uni.example';

/** A registration as an admin types it in. */
const input = (o: Record<string, unknown> = {}) => ({
  name: 'Faculty Moodle',
  issuer: 'https://moodle.uni.example',
  clientId: 'Zq8x7Client',
  authLoginUrl: 'https://moodle.uni.example/mod/lti/auth.php',
  authTokenUrl: 'https://moodle.uni.example/mod/lti/token.php',
  jwksUrl: 'https://moodle.uni.example/mod/lti/certs.php',
  deploymentIds: ['1'],
  ...o,
});

/** Learning platform registrations and the tool's keys, through the admin API. */
describe.each(requestEngines())('LTI platform registrations on %s', (engine) => {
  let server: TestServer;
  let admin: HttpClient & { userId: string };

  beforeAll(async () => {
    server = await startTestServer(engine, { publicUrl: PUBLIC_URL });
    admin = await server.signedIn('admin');
  });
  afterAll(async () => server?.close());

  const audited = async (action: string) =>
    (
      await server.instance.database.db
        .select({ data: auditLog.data, entityId: auditLog.entityId, actorId: auditLog.actorId })
        .from(auditLog)
        .where(eq(auditLog.action, action))
        .orderBy(asc(auditLog.id))
    ).map((r) => r);

  it('creates, lists, reads, updates and deletes a registration, each audited', async () => {
    const created = await admin.post('/api/lti/platforms', input({ deploymentIds: ['1', '2'] }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      name: 'Faculty Moodle',
      deploymentIds: ['1', '2'],
      instructorRole: 'instructor',
      adminRole: 'instructor',
      tokenAudience: null,
      createdVia: 'manual',
      linkCount: 0,
    });
    expect((await admin.get(`/api/lti/platforms/${id}`)).body).toEqual(created.body);
    const list = await admin.get('/api/lti/platforms');
    expect(list.body.platforms.map((p: { id: string }) => p.id)).toContain(id);

    const dup = await admin.post('/api/lti/platforms', input({ name: 'Another name' }));
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('LTI_PLATFORM_EXISTS');

    const updated = await admin.put(
      `/api/lti/platforms/${id}`,
      input({ deploymentIds: ['2', '3'], instructorRole: 'proctor', adminRole: 'admin' }),
    );
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({
      deploymentIds: ['2', '3'],
      instructorRole: 'proctor',
      adminRole: 'admin',
    });

    // Another client id of the same issuer is another registration; taking one's pair is not.
    const other = await admin.post('/api/lti/platforms', input({ clientId: 'second' }));
    expect(other.status).toBe(201);
    const clash = await admin.put(`/api/lti/platforms/${other.body.id}`, input());
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('LTI_PLATFORM_EXISTS');

    expect((await admin.delete(`/api/lti/platforms/${id}`)).status).toBe(200);
    expect((await admin.get(`/api/lti/platforms/${id}`)).status).toBe(404);
    expect((await admin.delete(`/api/lti/platforms/${id}`)).status).toBe(404);
    const left = await server.instance.database.db
      .select()
      .from(ltiDeployments)
      .where(inArray(ltiDeployments.platformId, [id]));
    expect(left).toEqual([]);

    for (const action of ['lti.platform.create', 'lti.platform.update', 'lti.platform.delete']) {
      const rows = await audited(action);
      expect(
        rows.some((r) => r.entityId === id && r.actorId === admin.userId),
        action,
      ).toBe(true);
    }
  });

  it('tells what a platform needs, and rotates the signing key keeping the old one published', async () => {
    const tool = await admin.get('/api/lti/tool');
    expect(tool.status).toBe(200);
    expect(tool.body).toMatchObject({
      baseUrl: PUBLIC_URL,
      loginUrl: `${PUBLIC_URL}/lti/login`,
      launchUrl: `${PUBLIC_URL}/lti/launch`,
      deepLinkUrl: `${PUBLIC_URL}/lti/launch`,
      jwksUrl: `${PUBLIC_URL}/lti/jwks`,
      redirectUris: [`${PUBLIC_URL}/lti/launch`],
    });
    expect(tool.body.keys).toHaveLength(1);
    const first = tool.body.keys[0].kid as string;

    const rotated = await admin.post('/api/lti/keys/rotate');
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.keys).toHaveLength(2);
    expect(rotated.body.keys[0]).toMatchObject({ retiredAt: null, publishedUntil: null });
    expect(rotated.body.keys[1]).toMatchObject({ kid: first });
    expect(rotated.body.keys[1].publishedUntil).not.toBeNull();

    const jwks = await server.anonymous().get('/lti/jwks');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
      rotated.body.keys.map((k: { kid: string }) => k.kid),
    );
    const rows = await audited('lti.key.rotate');
    expect(rows.at(-1)).toMatchObject({
      actorId: admin.userId,
      data: { kid: rotated.body.keys[0].kid, retired: [first] },
    });
  });
});
