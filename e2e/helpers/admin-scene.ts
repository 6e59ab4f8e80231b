import type { Exam } from '@invigil/contracts';
import { ltiResourceLinks } from '../../apps/server/src/db/schema.js';
import type { DemoServer } from './app-server.js';
import { demoApiSession } from './student-flow.js';

/** What the admin pages show once the scene is set: ids the pages are opened with. */
export interface AdminScene {
  examId: string;
  examTitle: string;
  sessionId: string;
  platformName: string;
  /** A webhook's address where nothing listens: its test deliveries fail, and say why. */
  webhookUrl: string;
}

/**
 * E-mail settings that turn on what depends on e-mail (the forgot-password form, e-mail
 * notifications); nothing listens there, and nothing these tests do sends mail.
 */
export const SMTP_ENV = {
  SMTP_URL: 'smtp://127.0.0.1:9',
  SMTP_FROM: 'Invigil <invigil@demo.invigil.test>',
};

/**
 * Fill the demo so that every admin page has something in it: a student registered for the
 * demo exam, self sign-up on, an API token, a webhook nothing answers, an LTI platform, and a course link
 * from that platform to the exam (written straight to the database: a real launch needs a
 * whole LMS, and e2e/lti covers it), so the exam page shows its LMS panel.
 */
export async function setAdminScene(server: DemoServer): Promise<AdminScene> {
  const admin = await demoApiSession(server, 'admin');
  const [exam] = (await admin.call('GET', '/api/exams')) as Exam[];
  if (!exam) throw new Error('the demo has no exam');

  const student = await demoApiSession(server, 'student', 0);
  const reg = await student.call('POST', `/api/exams/${exam.id}/registrations`);

  // Self sign-up on, so the sign-up page shows its form.
  await admin.call('PUT', '/api/settings/signup', { enabled: true, allowedDomains: [] });
  await admin.call('POST', '/api/tokens', { name: 'Nightly export', scopes: ['exams:read'] });
  const webhookUrl = 'http://127.0.0.1:9/invigil-hook';
  await admin.call('POST', '/api/webhooks', {
    url: webhookUrl,
    events: ['verdict'],
    description: 'Grades office',
  });

  const platformName = 'Demo Moodle';
  const lms = 'https://moodle.example.test';
  const platform = await admin.call('POST', '/api/lti/platforms', {
    name: platformName,
    issuer: lms,
    clientId: 'invigil-client',
    authLoginUrl: `${lms}/mod/lti/auth.php`,
    authTokenUrl: `${lms}/mod/lti/token.php`,
    jwksUrl: `${lms}/mod/lti/certs.php`,
    deploymentIds: ['1'],
  });
  await server.instance.database.db.insert(ltiResourceLinks).values({
    platformId: platform.id as string,
    deploymentId: '1',
    resourceLinkId: 'link-1',
    examId: exam.id,
    contextId: 'STAT101',
    contextTitle: 'Introduction to Statistics',
    title: 'Final exam',
    lineItemUrl: `${lms}/mod/lti/services.php/2/lineitems/7/lineitem`,
    agsScopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'],
    membershipsUrl: `${lms}/mod/lti/services.php/CourseSection/2/bindings/1/memberships`,
  });

  return {
    examId: exam.id,
    examTitle: exam.title,
    sessionId: reg.sessionId as string,
    platformName,
    webhookUrl,
  };
}
