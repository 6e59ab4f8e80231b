import { expect } from 'vitest';
import { ltiPlatforms, ltiResourceLinks } from '../../../src/db/schema.js';
import type { MatrixFixture } from './fixture.js';

/** A webhook to a closed local port (a test ping fails at once instead of waiting for DNS). */
export async function matrixWebhook(f: MatrixFixture): Promise<string> {
  const res = await f.users.admin.post('/api/webhooks', {
    url: 'http://127.0.0.1:9/matrix',
    events: ['verdict'],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.webhook.id as string;
}

/** One webhook the rows that read or change a webhook share (made once). */
export const sharedWebhook = (f: MatrixFixture): Promise<string> =>
  f.once('shared webhook', () => matrixWebhook(f));

let platformCount = 0;
/** A learning platform registration of its own (issuer and client id are unique). */
export const platformInput = () => {
  platformCount += 1;
  return {
    name: `Matrix LMS ${platformCount}`,
    issuer: 'https://lms.matrix.example',
    clientId: `matrix-client-${platformCount}-${Math.random().toString(36).slice(2)}`,
    authLoginUrl: 'https://lms.matrix.example/auth',
    authTokenUrl: 'https://lms.matrix.example/token',
    jwksUrl: 'https://lms.matrix.example/jwks',
    deploymentIds: ['1'],
  };
};

/** A new learning platform registration, by the admin. */
export async function matrixPlatform(f: MatrixFixture): Promise<string> {
  const res = await f.users.admin.post('/api/lti/platforms', platformInput());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** One platform registration the rows that read or change one share (made once). */
export const sharedPlatform = (f: MatrixFixture): Promise<string> =>
  f.once('shared platform', () => matrixPlatform(f));

/**
 * Exam A placed in a course whose roster service cannot be reached (a closed local port):
 * a roster sync then runs and reports its failure, quickly, with a 200. Made once.
 */
export const rosterLink = (f: MatrixFixture): Promise<void> =>
  f.once('roster link', async () => {
    const db = f.server.instance.database.db;
    const [platform] = await db
      .insert(ltiPlatforms)
      .values({
        name: 'Matrix roster LMS',
        issuer: 'http://127.0.0.1:9',
        clientId: 'matrix-roster',
        authLoginUrl: 'http://127.0.0.1:9/auth',
        authTokenUrl: 'http://127.0.0.1:9/token',
        jwksUrl: 'http://127.0.0.1:9/jwks',
      })
      .returning();
    await db.insert(ltiResourceLinks).values({
      platformId: platform!.id,
      deploymentId: '1',
      resourceLinkId: 'matrix-link',
      examId: f.examA,
      membershipsUrl: 'http://127.0.0.1:9/nrps',
    });
  });
