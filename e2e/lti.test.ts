import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLAIM,
  LTI_ROLES,
  startLtiPlatform,
  type EmulatorUser,
  type LtiPlatformEmulator,
} from '../apps/server/test/helpers/lti-platform.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  demoCreds,
  submitExam,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');

/** A free loopback port: the tool's PUBLIC_URL must name its port before it starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

type ApiSession = Awaited<ReturnType<typeof demoApiSession>>;

const teacher = {
  sub: 'lms-teacher-1',
  name: 'Tess Teacher',
  email: 'tess.teacher@uni.example',
  roles: [LTI_ROLES.instructor],
};
const learner = (sub: string, name: string): EmulatorUser & { name: string; email: string } => ({
  sub,
  name,
  email: `${sub}@uni.example`,
  roles: [LTI_ROLES.learner],
});

/**
 * Invigil as an LTI 1.3 tool of a learning platform, in Chromium: the platform emulator runs
 * on 127.0.0.1 and Invigil on localhost, so every launch crosses sites as it does between a
 * real LMS and Invigil. An instructor deep-links a new exam into a course, a student launches
 * it, takes it and gets a verdict, and the score reaches the course gradebook; a launch inside
 * the platform's iframe opens a signed-in window; Dynamic Registration registers a platform
 * from its own page.
 */
describe.skipIf(browserUnavailable() !== undefined)('LTI 1.3 launches in Chromium', () => {
  let server: DemoServer;
  let tool: string;
  let lms: LtiPlatformEmulator;
  let admin: ApiSession;
  let demoExamId: string;
  let browser: { context: BrowserContext; close(): Promise<void> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await freePort();
    // localhost: another site than the platform at 127.0.0.1.
    tool = `http://localhost:${port}`;
    server = await startDemoServer({ PUBLIC_URL: tool }, { port });
    lms = await startLtiPlatform();
    lms.setTool(tool);
    admin = await demoApiSession(server, 'admin');
    const exams = (await admin.call('GET', '/api/exams')) as { id: string; title: string }[];
    const demo = exams.find((e) => e.title.startsWith('Introduction to Statistics'));
    if (!demo) throw new Error('demo exam missing');
    demoExamId = demo.id;
    await admin.call('POST', '/api/lti/platforms', lms.platformInput());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await lms?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `lti-${name}.png`), fullPage: true });

  /** A page that reaches loopback only (this machine has no other network). */
  async function loopbackPage(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.route(
      (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
      (route) => route.abort(),
    );
    page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
    return page;
  }

  /** Sign in with a demo account's password on the tool's own origin. */
  async function signInAtTool(page: Page, role: string) {
    const { email, password } = demoCreds(server, role);
    await page.goto(`${tool}/`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
  }

  /** Who the page's window is signed in as (its own origin's cookies). */
  const whoAmI = (page: Page) =>
    page.evaluate(async () => {
      const res = await fetch('/api/auth/me');
      return {
        status: res.status,
        body: (res.ok ? await res.json() : null) as {
          user: { email: string; name: string; role: string };
        } | null,
      };
    });

  /** Invigil's session cookie in the browser, if any (the LTI pages may not fetch: CSP). */
  const sessionCookie = async () =>
    (await browser.context.cookies(tool)).find((c) => c.name === 'invigil_session');

  /** A deadline for things that happen after a request returns (jobs, uploads). */
  const settle = { timeout: 60_000, interval: 250 };

  /**
   * The review after the attempt, as the exam's proctor gives it through the API: every open flag
   * dismissed (the fake camera shows no face, so detectors may raise some), then a clean
   * verdict. Flags can still arrive from analysis after the submit, so it tries until the
   * verdict is taken.
   */
  async function cleanVerdict(reviewer: ApiSession, sessionId: string): Promise<void> {
    const base = `/api/sessions/${sessionId}`;
    await expect
      .poll(async () => {
        const flags = (await reviewer.call('GET', `${base}/flags`)) as {
          id: string;
          reviewStatus: string;
        }[];
        for (const flag of flags.filter((f) => f.reviewStatus === 'open')) {
          await reviewer.call('POST', `/api/flags/${flag.id}/review`, {
            decision: 'dismissed',
            comment: 'The fake camera of the browser test',
          });
        }
        const res = await reviewer.raw('POST', `${base}/verdict`, {
          verdict: 'clean',
          reason: 'Nothing wrong on the recording',
        });
        const text = await res.text();
        if (res.status === 409 && text.includes('FLAGS_UNDECIDED')) return 'flags undecided';
        if (res.status !== 200) throw new Error(`verdict: ${res.status} ${text}`);
        return 'given';
      }, settle)
      .toBe('given');
  }

  it('an instructor deep-links a new exam, a student takes it, the score reaches the gradebook', async () => {
    // A retry meets the emulator as the failed attempt left it: its own course and title.
    const before = lms.deepLinkReturns.length;
    const contextId = before === 0 ? 'stats-101' : `stats-101-${before}`;
    const title = before === 0 ? 'Probability quiz' : `Probability quiz ${before}`;
    await browser.context.clearCookies();
    const page = await loopbackPage();

    // The instructor adds Invigil to the course: the chooser opens in place.
    await page.goto(lms.launchUrl({ user: teacher, kind: 'deep-link', contextId }));
    await page.getByRole('heading', { name: /^Add an Invigil exam/ }).waitFor();
    await page.getByText(`Signed in as ${teacher.name}.`).waitFor();
    // The chooser opens no session: no session cookie at Invigil in this browser.
    expect(await sessionCookie()).toBeUndefined();
    await shot(page, '1-chooser');

    // A new exam, open from an hour ago for a day, in the browser's own time zone.
    const times = await page.evaluate(() => {
      const local = (ms: number) => {
        const d = new Date(ms);
        return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      };
      // Whole minutes, as the field holds them.
      const start = Math.floor(Date.now() / 60_000) * 60_000;
      const opens = start - 3_600_000;
      const closes = start + 86_400_000;
      return {
        opens: local(opens),
        closes: local(closes),
        opensAt: new Date(opens).toISOString(),
        closesAt: new Date(closes).toISOString(),
      };
    });
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Opens').fill(times.opens);
    await page.getByLabel('Closes').fill(times.closes);
    await page.getByLabel('Duration (minutes)').fill('30');
    await page.getByRole('button', { name: 'Create and add' }).click();

    // The signed answer goes back to the platform, which verifies it against Invigil's keys.
    await page.getByRole('heading', { name: 'Content added' }).waitFor();
    await page.getByText(title).waitFor();
    await shot(page, '2-content-added');
    expect(lms.deepLinkReturns).toHaveLength(before + 1);
    const returned = lms.deepLinkReturns[before]!;
    expect(returned.contextId).toBe(contextId);
    const items = returned.payload[CLAIM.contentItems] as {
      type: string;
      title: string;
      url: string;
      custom: Record<string, string>;
      available?: { startDateTime: string; endDateTime: string };
      lineItem?: { label: string; resourceId: string };
    }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      type: 'ltiResourceLink',
      title,
      url: `${tool}/lti/launch`,
    });
    const examId = items[0]!.custom.invigil_exam_id;
    expect(examId).toMatch(/^[0-9a-f-]{36}$/);
    // With its window, and a gradebook column for it.
    expect(items[0]!.available).toEqual({
      startDateTime: times.opensAt,
      endDateTime: times.closesAt,
    });
    expect(items[0]!.lineItem).toMatchObject({ label: title, resourceId: examId });
    const linkId = returned.resourceLinkIds[0]!;
    const course = lms.course(contextId);
    const link = course.resourceLinks.find((l) => l.id === linkId);
    expect(link?.lineItemId).toBeTruthy();

    // The exam exists, made by the instructor; its content and publishing are the staff
    // pages' business (tested elsewhere), so they are done through the API here.
    const exam = (await admin.call('GET', `/api/exams/${examId}`)) as {
      title: string;
      status: string;
      opensAt: string;
      closesAt: string;
      policy: Record<string, unknown>;
    };
    // The window typed in the browser's time zone, as instants.
    expect(exam).toMatchObject({
      title,
      status: 'draft',
      opensAt: times.opensAt,
      closesAt: times.closesAt,
      durationMinutes: 30,
    });
    await admin.call('PUT', `/api/exams/${examId}/questions`, {
      questions: [
        {
          kind: 'single_choice',
          prompt: 'A fair coin is tossed twice. How likely are two heads?',
          options: ['One half', 'One quarter', 'One third'],
          correctOption: 1,
          points: 3,
        },
        { kind: 'true_false', prompt: 'A probability can be negative.', answer: false, points: 2 },
      ],
    });
    await admin.call('PATCH', `/api/exams/${examId}`, {
      status: 'published',
      // The fake camera shows a test pattern, never a face.
      policy: { ...exam.policy, facePhotoCheck: false },
    });

    // Added again, the exam is now one to choose: the same exam in another placement.
    await page.goto(lms.launchUrl({ user: teacher, kind: 'deep-link', contextId }));
    await page.getByRole('heading', { name: 'Choose an exam' }).waitFor();
    await page.getByRole('button', { name: title }).click();
    await page.getByRole('heading', { name: 'Content added' }).waitFor();
    expect(lms.deepLinkReturns).toHaveLength(before + 2);
    const again = lms.deepLinkReturns[before + 1]!.payload[CLAIM.contentItems] as typeof items;
    expect(again[0]?.custom.invigil_exam_id).toBe(examId);

    // The student follows the first course link at top level: signed in, on the exam's check-in.
    const student = learner('lms-student-1', 'Lena Learner');
    await page.goto(
      lms.launchUrl({ user: student, kind: 'resource', contextId, resourceLinkId: linkId }),
    );
    await page.waitForURL(/\/student\/sessions\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    const me = await whoAmI(page);
    expect(me.status).toBe(200);
    expect(me.body?.user).toMatchObject({
      email: student.email,
      name: student.name,
      role: 'student',
    });
    const sessionId = await checkInAndStartExam(page, (name) => shot(page, `3-${name}`), {
      register: false,
    });
    await page.getByRole('radio', { name: 'One quarter' }).check();
    await page.getByRole('radio', { name: 'False' }).check();
    await page.getByText('All answers saved').first().waitFor({ timeout: 15_000 });
    await submitExam(page);
    await shot(page, '4-submitted');
    await page.close();

    // The exam's proctor gives the verdict, and the gradebook gets the score.
    const proctor = await demoApiSession(server, 'proctor');
    const { user: proctorUser } = (await proctor.call('GET', '/api/auth/me')) as {
      user: { id: string };
    };
    await admin.call('PUT', `/api/exams/${examId}/staff/${proctorUser.id}`, { role: 'proctor' });
    await cleanVerdict(proctor, sessionId);
    await expect.poll(() => course.scores.length, settle).toBeGreaterThan(0);
    expect(course.scores).toHaveLength(1);
    expect(course.scores[0]).toMatchObject({
      lineItemId: link!.lineItemId,
      userId: student.sub,
      scoreGiven: 5,
      scoreMaximum: 5,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    });
    // The exam's LMS data shows it sent.
    // The row is marked sent once the platform's answer is back: a moment after it counted.
    const grades = async () =>
      (
        (await admin.call('GET', `/api/exams/${examId}/lti`)) as {
          grades: { sessionId: string; status: string }[];
        }
      ).grades;
    await expect
      .poll(grades, settle)
      .toEqual([expect.objectContaining({ sessionId, status: 'sent' })]);
    // The platform turned nothing down on the way (tokens, deep-linking answers, scores).
    expect(lms.refusals).toEqual([]);
  }, 300_000);

  it('inside the platform’s iframe, shows who is signed in and opens a signed-in window', async () => {
    await browser.context.clearCookies();
    const student = learner('lms-student-2', 'Frida Framed');
    const page = await loopbackPage();
    await page.goto(
      lms.pageUrl({
        user: student,
        kind: 'resource',
        contextId: 'stats-frame',
        resourceLinkId: 'demo-exam-link',
        custom: { invigil_exam_id: demoExamId },
      }),
    );
    await page.getByRole('heading', { name: 'Course page' }).waitFor();
    const frame = page.frameLocator('#lti-frame');
    await frame.getByRole('heading', { name: /^Introduction to Statistics/ }).waitFor();
    await frame.getByText(student.name).waitFor();
    const open = frame.getByRole('button', { name: 'Open Invigil in a new window' });
    await open.waitFor();
    await shot(page, '5-framed');
    // The frame signed nobody in: the session cookie is only set in a window of its own.
    expect(await sessionCookie()).toBeUndefined();

    const [popup] = await Promise.all([page.waitForEvent('popup'), open.click()]);
    popup.on('pageerror', (error) => console.log(`popup error: ${error.message}`));
    await popup.waitForURL(/\/student\/sessions\/[0-9a-f-]{36}$/);
    expect(new URL(popup.url()).origin).toBe(tool);
    await popup.getByRole('heading', { name: /^Introduction to Statistics/, level: 1 }).waitFor();
    await popup.getByRole('heading', { name: 'Recording and your privacy' }).waitFor();
    const me = await whoAmI(popup);
    expect(me.status).toBe(200);
    expect(me.body?.user).toMatchObject({ email: student.email, role: 'student' });
    // The session cookie of any sign-in, in the window of its own.
    expect(await sessionCookie()).toMatchObject({ sameSite: 'Strict', httpOnly: true });
    await shot(popup, '6-popup-check-in');
    await popup.close();
    await page.close();
  }, 120_000);

  it('registers a platform by Dynamic Registration, and a launch through it signs in', async () => {
    await browser.context.clearCookies();
    const other = await startLtiPlatform();
    try {
      // The admin makes the one-time URL on the LMS page, as for pasting into a real LMS.
      const page = await loopbackPage();
      await signInAtTool(page, 'admin');
      await page.waitForURL(/\/admin/);
      await page.goto(`${tool}/admin/lti`);
      await page.getByRole('button', { name: 'Make a registration URL' }).click();
      const url = await page.getByRole('textbox', { name: 'Registration URL' }).inputValue();
      expect(url.startsWith(`${tool}/lti/register/`)).toBe(true);
      await shot(page, '7-invite');

      // The LMS opens it (here, the same browser, still signed in as the admin).
      await page.goto(other.dynamicRegistrationStart(url));
      await page.getByRole('heading', { name: 'Invigil is registered' }).waitFor();
      await page.getByRole('status').getByText(other.issuer).waitFor();
      await shot(page, '8-registered');
      expect(other.registrations).toHaveLength(1);
      expect(other.toolBaseUrl).toBe(tool);

      const { platforms } = (await admin.call('GET', '/api/lti/platforms')) as {
        platforms: { issuer: string; clientId: string; deploymentIds: string[] }[];
      };
      expect(platforms).toContainEqual(
        expect.objectContaining({
          issuer: other.issuer,
          clientId: other.clientId,
          deploymentIds: [other.deploymentId],
        }),
      );
      await page.goto(`${tool}/admin/lti`);
      await page.getByText('Registered itself').waitFor();
      await browser.context.clearCookies();

      const student = learner('lms-student-3', 'Dora Dynamic');
      await page.goto(
        other.launchUrl({
          user: student,
          kind: 'resource',
          custom: { invigil_exam_id: demoExamId },
        }),
      );
      await page.waitForURL(/\/student\/sessions\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Recording and your privacy' }).waitFor();
      const me = await whoAmI(page);
      expect(me.status).toBe(200);
      expect(me.body?.user).toMatchObject({ email: student.email, role: 'student' });
      await page.close();
    } finally {
      await other.close();
    }
  }, 120_000);
});
