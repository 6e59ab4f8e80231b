import { describe, expect, it } from 'vitest';
import { LtiBrowser } from './helpers/lti-browser.js';
import { LTI_SCOPES, startLtiPlatform } from './helpers/lti-platform.js';
import { learner, useLtiServicesServer } from './helpers/lti-services-fixture.js';
import { engines } from './helpers/test-server.js';

/**
 * LTI Dynamic Registration: an admin's invitation lets a platform register itself; bad
 * configurations, forged tokens and spent or repeated invitations are refused.
 */
describe.each(engines())('LTI Advantage services on %s', (engine) => {
  const services = useLtiServicesServer(engine);
  const { exam } = services;

  it('dynamic registration registers a platform that can then launch', async () => {
    const other = await startLtiPlatform();
    try {
      const invite = await services.admin.post('/api/lti/registration-invites');
      expect(invite.status, JSON.stringify(invite.body)).toBe(201);
      const url = invite.body.url as string;
      expect(url.startsWith(`${services.publicUrl}/lti/register/`)).toBe(true);
      expect(Date.parse(invite.body.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);

      // A configuration address that is not https is refused, and the invitation still works.
      const bad = await fetch(
        `${url}?openid_configuration=${encodeURIComponent('http://lms.example/.well-known/openid-configuration')}`,
      );
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('LTI_REGISTRATION_FAILED');

      // A registration token the platform does not know: it refuses, Invigil says so (502).
      const refused = new URL(other.dynamicRegistrationStart(url));
      refused.searchParams.set('registration_token', 'forged');
      const forged = await fetch(refused);
      expect(forged.status).toBe(502);
      expect(await forged.text()).toContain('answered HTTP 401');
      // A configuration naming an issuer at another address is not believed.
      const liar = await startLtiPlatform({ issuer: 'https://lms.elsewhere.example' });
      try {
        const lied = await fetch(liar.dynamicRegistrationStart(url));
        expect(lied.status).toBe(502);
        expect(await lied.text()).toContain('issuer at another address');
        expect(liar.registrations).toEqual([]);
      } finally {
        await liar.close();
      }

      const done = await fetch(other.dynamicRegistrationStart(url));
      const html = await done.text();
      expect(done.status, html).toBe(200);
      expect(html).toContain('org.imsglobal.lti.close');
      const csp = done.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(html).toContain(`<script nonce="${nonce}">`);

      expect(other.registrations).toHaveLength(1);
      expect(other.registrations[0]).toMatchObject({
        client_name: 'Invigil',
        jwks_uri: `${services.publicUrl}/lti/jwks`,
        initiate_login_uri: `${services.publicUrl}/lti/login`,
        redirect_uris: [`${services.publicUrl}/lti/launch`],
        token_endpoint_auth_method: 'private_key_jwt',
      });
      expect(String(other.registrations[0]!.scope)).toContain(LTI_SCOPES.score);
      const platforms = (await services.admin.get('/api/lti/platforms')).body.platforms as {
        issuer: string;
        clientId: string;
        deploymentIds: string[];
        createdVia: string;
      }[];
      expect(platforms.find((p) => p.issuer === other.issuer)).toMatchObject({
        clientId: other.clientId,
        deploymentIds: [other.deploymentId],
        createdVia: 'dynamic',
      });

      // The invitation is spent; an unknown one was never valid.
      const reused = await fetch(other.dynamicRegistrationStart(url));
      expect(reused.status).toBe(410);
      expect(await reused.text()).toContain('LTI_INVITE_INVALID');
      const unknown = await fetch(
        other.dynamicRegistrationStart(`${services.publicUrl}/lti/register/nope`),
      );
      expect(unknown.status).toBe(404);

      // The same platform registering again with a new invitation is a conflict.
      const second = (await services.admin.post('/api/lti/registration-invites')).body
        .url as string;
      const twice = await fetch(other.dynamicRegistrationStart(second));
      expect(twice.status).toBe(409);
      expect(await twice.text()).toContain('LTI_PLATFORM_EXISTS');

      // A launch from the newly registered platform works.
      const { examId } = await exam();
      other.setTool(services.publicUrl);
      const browser = new LtiBrowser(services.publicUrl);
      const page = await browser.launch(
        other.launchUrl({
          user: learner('dyn-1'),
          kind: 'resource',
          custom: { invigil_exam_id: examId },
        }),
        { 'sec-fetch-dest': 'iframe' },
      );
      expect(page.status, page.html).toBe(200);
    } finally {
      await other.close();
    }
  });
});
