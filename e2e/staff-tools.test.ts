import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import {
  checkInAndStartExam,
  demoApiSession,
  demoCreds,
  signInAsDemo,
  signInStudent,
  submitExam,
} from './helpers/student-flow.js';

const SHOTS = path.resolve('e2e/screenshots');
/** Generous: the machines are shared. Measured times are printed, never asserted. */
const LIVE_TIMEOUT_MS = 60_000;

type Browser = { context: BrowserContext; close(): Promise<void> };

interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

/** "59:58" or "1:14:03" (the student's countdown) in seconds. */
function seconds(text: string | null): number {
  const parts = (text ?? '').trim().split(':').map(Number);
  if (parts.length < 2 || parts.some((n) => !Number.isFinite(n))) {
    throw new Error(`not a countdown: ${text}`);
  }
  return parts.reduce((total, n) => total * 60 + n, 0);
}

/**
 * The staff tools on the proctor's session detail, used through the UI in two Chromium
 * browsers (staff and student): time added to one attempt reaches the student's countdown;
 * a terminated attempt is reopened, resumed and submitted; a new attempt is granted, taken
 * from check-in and submitted while the old one stays in the review, linked; and an admin
 * who is not assigned to the exam uses the tools, audited as admin.
 */
describe.skipIf(browserUnavailable() !== undefined)('staff tools for a stuck attempt', () => {
  let server: DemoServer;
  let staffBrowser: Browser;
  let studentBrowser: Browser;
  let staff: Page;
  let admin: Awaited<ReturnType<typeof demoApiSession>>;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startDemoServer();
    admin = await demoApiSession(server, 'admin');
    staffBrowser = await launchBrowser();
    studentBrowser = await launchBrowser();
    staff = await staffBrowser.context.newPage();
    staff.on('pageerror', (error) => errors.push(`staff: ${String(error)}`));
    await signInAsDemo(server, staff, 'proctor');
    await staff.waitForURL(/\/proctor$/);
  });
  afterAll(async () => {
    await studentBrowser?.close();
    await staffBrowser?.close();
    await server?.close();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `staff-tools-${name}.png`), fullPage: true });

  /** A new student account (each case has its own registration), signed in on a fresh page. */
  async function newStudent(label: string): Promise<Page> {
    const email = `${label}-${randomBytes(3).toString('hex')}@e2e.invigil.test`;
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const name = `${label[0]!.toUpperCase()}${label.slice(1)} Student`;
    await admin.call('POST', '/api/users', { email, name, role: 'student', password });
    for (const open of studentBrowser.context.pages()) await open.close();
    await studentBrowser.context.clearCookies();
    const page = await studentBrowser.context.newPage();
    page.on('pageerror', (error) => errors.push(`${label}: ${String(error)}`));
    // The exam page asks before leaving; leaving is what the test chose.
    page.on('dialog', (dialog) => void dialog.accept());
    await signInStudent(server, page, { email, password });
    return page;
  }

  /** The staff member's session detail page of `sessionId`, with its two action panels. */
  async function openDetail(sessionId: string) {
    await staff.goto(`${server.url}/proctor/sessions/${sessionId}`);
    const tools = staff.getByRole('region', { name: 'Staff tools' });
    const interventions = staff.getByRole('region', { name: 'Interventions' });
    await tools.waitFor({ timeout: 30_000 });
    return { tools, interventions };
  }

  /** Terminate with a reason through the Interventions panel; the student sees it ended. */
  async function terminate(interventions: Locator, student: Page, reason: string) {
    await interventions.getByLabel('Reason for terminating').fill(reason);
    await interventions.getByRole('button', { name: 'Terminate the attempt' }).click();
    await interventions.getByRole('button', { name: 'Terminate', exact: true }).click();
    await interventions.getByText('Attempt terminated.').waitFor({ timeout: 30_000 });
    await student
      .getByRole('heading', { name: 'Your exam was ended' })
      .waitFor({ timeout: LIVE_TIMEOUT_MS });
  }

  /** Press a staff tool's button and its inline confirmation. */
  async function confirmTool(tools: Locator, label: string, confirm: string, reason: string) {
    await tools.getByLabel('Reason (audited, shown in the review)').fill(reason);
    await tools.getByRole('button', { name: label }).click();
    await tools.getByRole('button', { name: confirm, exact: true }).click();
  }

  it(
    'adds time to one attempt and the student’s countdown shows it',
    { timeout: 300_000 },
    async () => {
      const student = await newStudent('extended');
      const sessionId = await checkInAndStartExam(student);
      const timer = student.getByRole('timer');
      const before = seconds(await timer.textContent());
      // The demo exam lasts 60 minutes.
      expect(before).toBeLessThanOrEqual(60 * 60);

      const { tools } = await openDetail(sessionId);
      await tools
        .getByLabel('Reason (audited, shown in the review)')
        .fill('Lost time to a stuck dialog');
      await tools.getByLabel('Minutes to add').fill('15');
      await shot(staff, '1-add-time-form');
      await tools.screenshot({ path: path.join(SHOTS, 'staff-tools-1b-add-time-panel.png') });
      const sentAt = Date.now();
      await tools.getByRole('button', { name: 'Add time' }).click();
      await tools.getByText('15 minutes added').waitFor({ timeout: 30_000 });
      await shot(staff, '2-time-added');

      // The countdown jumps by the 15 minutes (less what ran meanwhile, far below 5 minutes).
      await expect
        .poll(async () => seconds(await timer.textContent()), { timeout: LIVE_TIMEOUT_MS })
        .toBeGreaterThan(before + 10 * 60);
      console.log(
        `[staff-tools] student's countdown extended ${Date.now() - sentAt} ms after Add time`,
      );
      const after = seconds(await timer.textContent());
      expect(after).toBeLessThanOrEqual(75 * 60);
      await shot(student, '3-student-countdown-extended');

      // The history lists the extension with its reason.
      const history = staff.getByRole('list', { name: 'Intervention history, newest first' });
      await history.getByText('Time extended: 15 minutes').waitFor({ timeout: 30_000 });
      await history.getByText('“Lost time to a stuck dialog”').waitFor();
    },
  );

  it(
    'reopens a terminated attempt; resumed, the student finishes and submits',
    { timeout: 300_000 },
    async () => {
      const student = await newStudent('reopened');
      const sessionId = await checkInAndStartExam(student);
      const { tools, interventions } = await openDetail(sessionId);
      await terminate(interventions, student, 'Camera was off for too long');
      await shot(student, '4-student-terminated');

      await confirmTool(tools, 'Reopen the attempt', 'Reopen', 'The camera failure was ours');
      await tools.getByText(/Attempt reopened, paused/).waitFor({ timeout: 30_000 });
      await shot(staff, '5-reopened');
      await tools.screenshot({ path: path.join(SHOTS, 'staff-tools-5b-reopened-panel.png') });

      // The student's page goes back to the exam, paused by the proctor.
      const paused = student.getByRole('alertdialog', {
        name: 'Your exam is paused by the proctor',
      });
      await paused.waitFor({ timeout: LIVE_TIMEOUT_MS });
      await shot(student, '6-student-reopened-paused');

      await interventions.getByRole('button', { name: 'Resume the attempt' }).click();
      await interventions.getByText('Attempt resumed.').waitFor({ timeout: 30_000 });
      await paused.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });
      // Recording stopped with the termination; the exam page asks to turn it back on.
      const camera = student.getByRole('button', { name: 'Turn on camera and microphone' });
      await camera.waitFor({ timeout: LIVE_TIMEOUT_MS });
      await shot(student, '7-student-resumed-recording-off');
      await camera.click();
      await student.getByRole('button', { name: 'Share your entire screen' }).click();
      await student.getByText('Recording camera and screen').waitFor({ timeout: LIVE_TIMEOUT_MS });
      await shot(student, '7-student-resumed');
      await submitExam(student);
      await shot(student, '8-student-submitted');
    },
  );

  it(
    'grants a new attempt, taken from check-in; the old one stays in the review, linked',
    { timeout: 420_000 },
    async () => {
      const student = await newStudent('retake');
      const oldId = await checkInAndStartExam(student);
      const { tools, interventions } = await openDetail(oldId);
      await terminate(interventions, student, 'The network failed for everyone in room B');

      await confirmTool(tools, 'Grant a new attempt', 'Grant it', 'Network failure in room B');
      await tools.getByText(/Attempt 2 granted/).waitFor({ timeout: 30_000 });
      const attempts = tools.getByRole('navigation', { name: 'Attempts of this registration' });
      await attempts.waitFor();
      await shot(staff, '9-new-attempt-granted');
      await tools.screenshot({ path: path.join(SHOTS, 'staff-tools-9b-granted-panel.png') });
      // The proctor follows the link to the new attempt's detail.
      await attempts.getByRole('link', { name: 'Attempt 2' }).click();
      await staff.waitForURL((url) => !url.pathname.endsWith(oldId));
      await staff
        .getByRole('navigation', { name: 'Attempts of this registration' })
        .getByRole('link', { name: 'Attempt 1' })
        .waitFor({ timeout: 30_000 });

      // The student's ended page links the new attempt, which starts from consent.
      const next = student.getByRole('link', { name: 'Start your new attempt' });
      await next.waitFor({ timeout: LIVE_TIMEOUT_MS });
      await shot(student, '10-student-new-attempt-offered');
      await next.click();
      await student.waitForURL((url) => !url.pathname.endsWith(oldId));
      const newId = await checkInAndStartExam(student, undefined, { register: false });
      expect(newId).not.toBe(oldId);
      await submitExam(student);
      await shot(student, '11-student-new-attempt-submitted');

      // The old attempt is still reviewable and links the new one.
      await staff.goto(`${server.url}/review/sessions/${oldId}`);
      const actions = staff.getByRole('region', { name: 'Staff actions and attempts' });
      await actions.waitFor({ timeout: 30_000 });
      await actions.getByText('Network failure in room B').waitFor();
      await actions.getByText(/attempt 1 \(this one\)/).waitFor();
      const replaced = actions.getByText(/this one was replaced by/);
      await shot(staff, '12-review-old-attempt');
      await actions.screenshot({
        path: path.join(SHOTS, 'staff-tools-12b-review-staff-actions.png'),
      });
      await replaced.getByRole('link', { name: 'attempt 2' }).click();
      await staff.waitForURL(new RegExp(`/review/sessions/${newId}$`));
      await staff
        .getByRole('region', { name: 'Staff actions and attempts' })
        .getByRole('link', { name: 'attempt 1' })
        .waitFor({ timeout: 30_000 });
      await staff.getByText(/This is attempt 2, granted by staff/).waitFor();
      await shot(staff, '13-review-new-attempt');

      // The live grid shows the student once, as the new attempt.
      const examId = ((await admin.call('GET', `/api/sessions/${newId}`)) as { examId: string })
        .examId;
      const live = (await admin.call('GET', `/api/exams/${examId}/live`)) as {
        sessions: { session: { id: string } }[];
      };
      const ids = live.sessions.map((t) => t.session.id);
      expect(ids).toContain(newId);
      expect(ids).not.toContain(oldId);
    },
  );

  it(
    'lets an admin who is not assigned use the tools, audited as admin',
    { timeout: 300_000 },
    async () => {
      const student = await newStudent('admin-helped');
      const sessionId = await checkInAndStartExam(student);
      const session = (await admin.call('GET', `/api/sessions/${sessionId}`)) as { examId: string };
      const me = (await admin.call('GET', '/api/auth/me')) as { user: { id: string } };
      const adminId = me.user.id;
      // Not assigned: the exam's staff is its proctor alone.
      const assigned = (await admin.call('GET', `/api/exams/${session.examId}/staff`)) as {
        email: string;
      }[];
      expect(assigned.map((a) => a.email)).toEqual([demoCreds(server, 'proctor').email]);

      // The proctor asks for a room scan; the admin withdraws it and adds time.
      const proctor = await demoApiSession(server, 'proctor');
      await proctor.call('POST', `/api/sessions/${sessionId}/interventions`, { kind: 'room_scan' });
      const scanDialog = student.getByRole('alertdialog', {
        name: 'The proctor asks for a room scan',
      });
      await scanDialog.waitFor({ timeout: LIVE_TIMEOUT_MS });

      await signInAsDemo(server, staff, 'admin');
      await staff.waitForURL(/\/admin/);
      const { tools } = await openDetail(sessionId);
      const history = staff.getByRole('list', { name: 'Intervention history, newest first' });
      await history.getByRole('button', { name: 'Withdraw request' }).click();
      await history
        .getByText(/Withdrawn/i)
        .first()
        .waitFor({ timeout: 30_000 });
      await scanDialog.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT_MS });

      await tools.getByLabel('Reason (audited, shown in the review)').fill('Admin gives time');
      await tools.getByLabel('Minutes to add').fill('5');
      await tools.getByRole('button', { name: 'Add time' }).click();
      await tools.getByText('5 minutes added').waitFor({ timeout: 30_000 });
      await shot(staff, '14-admin-tools');

      // The audit log names the admin, acting as admin, for both.
      const audit = (await admin.call(
        'GET',
        `/api/audit?examId=${session.examId}&limit=1000`,
      )) as AuditRow[];
      const byAdmin = audit.filter(
        (a) =>
          a.actorId === adminId &&
          (a.action === 'intervention.cancel' || a.action === 'intervention.extend_time'),
      );
      expect(byAdmin.map((a) => a.action).sort()).toEqual([
        'intervention.cancel',
        'intervention.extend_time',
      ]);
      for (const entry of byAdmin) expect(entry.data).toMatchObject({ actingAs: 'admin' });
      expect(errors).toEqual([]);
    },
  );
});
