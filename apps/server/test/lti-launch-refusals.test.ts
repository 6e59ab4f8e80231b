import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ltiHandoffs, ltiResourceLinks, userIdentities, users } from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import { formOf, LtiBrowser, type PageResponse } from './helpers/lti-browser.js';
import { person, useLtiLaunchServer } from './helpers/lti-fixture.js';
import { LTI_ROLES } from './helpers/lti-platform.js';
import { engines } from './helpers/test-server.js';

/**
 * LTI 1.3 launches the tool turns down: one launch per check it makes (issuer, audience,
 * expiry, signature, nonce, state, deployment, link, role, account), each answered with an
 * error page, audited, and leaving no account, identity, link or handoff behind.
 */
describe.each(engines())('LTI 1.3 launches on %s', (engine) => {
  const lti = useLtiLaunchServer(engine);
  const { db, browser, launch, failures } = lti;

  /** Rows that a refused launch must not have added. */
  async function footprint() {
    const [u] = await db().select({ n: count() }).from(users);
    const [i] = await db().select({ n: count() }).from(userIdentities);
    const [l] = await db().select({ n: count() }).from(ltiResourceLinks);
    const [h] = await db().select({ n: count() }).from(ltiHandoffs);
    return { users: u?.n, identities: i?.n, links: l?.n, handoffs: h?.n };
  }

  /** A refused launch: its status, an error page with its code, audited, nothing created. */
  async function expectRefused(
    run: () => Promise<PageResponse>,
    status: number,
    code: string,
  ): Promise<void> {
    const before = await footprint();
    const audited = (await failures()).length;
    const page = await run();
    expect(page.status, page.html).toBe(status);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.html).toContain(`<code>${code}</code>`);
    expect(page.html).toContain('lang="en"');
    expect(page.html).not.toContain('<script');
    const reasons = await failures();
    expect(reasons.length).toBe(audited + 1);
    expect(reasons.at(-1)).toBe(code);
    expect(await footprint()).toEqual(before);
  }

  it('a student cannot launch into an exam that is not published yet', async () => {
    const draft = await lti.instructor.post(
      '/api/exams',
      buildExam({ title: 'Unpublished', status: 'draft', externalUrl: null }),
    );
    expect(draft.status).toBe(201);
    await expectRefused(
      () =>
        browser().launch(
          lti.platform.launchUrl({
            kind: 'resource',
            resourceLinkId: 'link-draft',
            custom: { invigil_exam_id: draft.body.id },
            user: person([LTI_ROLES.learner]),
          }),
        ),
      409,
      'EXAM_NOT_OPEN',
    );
  });

  it('deep linking is refused to a learner', async () => {
    await expectRefused(
      () =>
        browser().launch(
          lti.platform.launchUrl({ kind: 'deep-link', user: person([LTI_ROLES.learner]) }),
        ),
      403,
      'LTI_ROLE_NOT_ALLOWED',
    );
  });

  describe('refuses, audits and creates nothing for', () => {
    it('an unknown issuer', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              loginParams: { iss: 'https://unknown-lms.example', client_id: null },
            }),
          ),
        400,
        'LTI_UNKNOWN_ISSUER',
      );
    });

    it('a token for another audience', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { aud: 'another-tool', azp: undefined } },
            }),
          ),
        401,
        'LTI_BAD_AUDIENCE',
      );
    });

    it('several audiences without this tool as azp', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { aud: [lti.platform.clientId, 'other'], azp: 'other' } },
            }),
          ),
        401,
        'LTI_BAD_AUDIENCE',
      );
    });

    it('an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { iat: now - 3600, exp: now - 600 } },
            }),
          ),
        401,
        'LTI_TOKEN_EXPIRED',
      );
    });

    it('a token signed by a key the platform never published', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), idToken: { sign: { key: 'rogue' } } }),
          ),
        401,
        'LTI_BAD_SIGNATURE',
      );
    });

    it('an unsigned token', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), idToken: { sign: { alg: 'none' } } }),
          ),
        401,
        'LTI_BAD_SIGNATURE',
      );
    });

    it('a replayed launch (same state, same token)', async () => {
      const b = browser();
      const first = await b.launch(launch({ user: person([LTI_ROLES.learner]) }));
      expect(first.status).toBe(200);
      const replay = b.lastLaunchForm!;
      await expectRefused(
        async () => {
          // The state cookie as the browser had it before the launch spent it.
          const again = new LtiBrowser(lti.toolUrl);
          again.cookies.set('invigil_lti_state', replay.fields.state!);
          return again.post(replay);
        },
        401,
        'LTI_NONCE_INVALID',
      );
    });

    it('a token replayed into a new login (its nonce is not the new state’s)', async () => {
      const b = browser();
      const first = await b.launch(launch({ user: person([LTI_ROLES.learner]) }));
      expect(first.status).toBe(200);
      const stolen = b.lastLaunchForm!.fields.id_token!;
      const attacker = browser();
      const login = await attacker.fetch(launch({ user: person([LTI_ROLES.learner]) }));
      const state = new URL(login.location!).searchParams.get('state')!;
      await expectRefused(
        () =>
          attacker.post({
            action: `${lti.toolUrl}/lti/launch`,
            fields: { id_token: stolen, state },
          }),
        401,
        'LTI_NONCE_INVALID',
      );
    });

    it('an unknown deployment', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              deploymentId: 'not-registered',
              loginParams: { lti_deployment_id: null },
            }),
          ),
        403,
        'LTI_UNKNOWN_DEPLOYMENT',
      );
      // Named at login already: refused there.
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), deploymentId: 'not-registered' }),
          ),
        403,
        'LTI_UNKNOWN_DEPLOYMENT',
      );
    });

    it('a launch without the state cookie, or with another browser’s', async () => {
      const b = browser();
      const login = await b.fetch(launch({ user: person([LTI_ROLES.learner]) }));
      const auth = await b.fetch(login.location!);
      const form = formOf(auth.html);
      await expectRefused(() => new LtiBrowser(lti.toolUrl).post(form), 400, 'LTI_STATE_INVALID');
      const other = new LtiBrowser(lti.toolUrl);
      other.cookies.set('invigil_lti_state', 'someone-elses-state');
      await expectRefused(() => other.post(form), 400, 'LTI_STATE_INVALID');
      // A state nobody issued, cookie and form agreeing.
      const forged = new LtiBrowser(lti.toolUrl);
      forged.cookies.set('invigil_lti_state', 'forged');
      await expectRefused(
        () => forged.post({ action: form.action, fields: { ...form.fields, state: 'forged' } }),
        400,
        'LTI_STATE_INVALID',
      );
    });

    it('a link to no exam', async () => {
      await expectRefused(
        () =>
          browser().launch(
            lti.platform.launchUrl({
              kind: 'resource',
              user: person([LTI_ROLES.learner]),
              resourceLinkId: 'link-without-exam',
            }),
          ),
        404,
        'LTI_EXAM_NOT_LINKED',
      );
    });

    it('a role that maps to nothing', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person(['http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor']) }),
          ),
        403,
        'LTI_ROLE_NOT_ALLOWED',
      );
    });

    it('an admin account claimed by e-mail', async () => {
      const [adminRow] = await db().select().from(users).where(eq(users.id, lti.admin.userId));
      const claimant = { ...person([LTI_ROLES.learner]), email: adminRow!.email };
      await expectRefused(
        () => browser().launch(launch({ user: claimant })),
        409,
        'LTI_ACCOUNT_CONFLICT',
      );
    });
  });
});
