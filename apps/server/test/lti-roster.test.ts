import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamLti } from '@invigil/contracts';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { LtiBrowser } from './helpers/lti-browser.js';
import { LTI_ROLES, type LtiPlatformEmulator } from './helpers/lti-platform.js';
import {
  learner,
  startServicesPair,
  useLtiServicesServer,
  type Client,
} from './helpers/lti-services-fixture.js';
import { expectError } from './helpers/matrix-errors.js';
import { engines, type TestServer } from './helpers/test-server.js';

/**
 * Course rosters from the platform (LTI Names and Role Provisioning Services): a sync by hand
 * registers the course's learners, and the schedule syncs a placed exam on its own.
 */
describe.each(engines())('LTI Advantage services on %s', (engine) => {
  const services = useLtiServicesServer(engine);
  const { exam, launch, ltiOf } = services;

  it('a roster sync registers the course’s learners, page after page', async () => {
    const { examId } = await exam();
    // The first learner's launch places the exam in the course (and registers them).
    await launch(learner('r-1'), examId, 'c-roster');
    const course = services.lms.course('c-roster');
    course.members.push(
      learner('r-2'),
      learner('r-3', { email: undefined }),
      learner('r-4'),
      learner('r-gone', { status: 'Inactive' }),
      { sub: 'r-teacher', name: 'Tom Teacher', roles: [LTI_ROLES.instructor] },
    );
    expectError(
      await services.proctor.post(`/api/exams/${examId}/lti/roster-sync`),
      403,
      'FORBIDDEN',
    );
    const res = await services.instructor.post(`/api/exams/${examId}/lti/roster-sync`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.syncs).toEqual([
      expect.objectContaining({
        trigger: 'manual',
        status: 'done',
        members: 6,
        added: 3,
        existing: 1,
        skipped: 2,
        error: null,
      }),
    ]);
    const roster = await services.instructor.get(`/api/exams/${examId}/registrations`);
    expect(roster.status).toBe(200);
    const names = (roster.body as { studentName: string; studentEmail: string }[])
      .map((r) => r.studentName)
      .sort();
    expect(names).toEqual(['Learner r-1', 'Learner r-2', 'Learner r-3', 'Learner r-4']);
    // Without an e-mail claim the account gets an address that never delivers.
    expect(
      (roster.body as { studentEmail: string }[]).some((r) =>
        r.studentEmail.endsWith('@lti.invalid'),
      ),
    ).toBe(true);

    // Again: nobody new; members who left are not unregistered.
    course.members.splice(
      course.members.findIndex((m) => m.sub === 'r-2'),
      1,
    );
    const again = await services.instructor.post(`/api/exams/${examId}/lti/roster-sync`);
    expect(again.body.syncs[0]).toMatchObject({ members: 5, added: 0, existing: 3, skipped: 2 });
    expect((await services.instructor.get(`/api/exams/${examId}/registrations`)).body).toHaveLength(
      4,
    );
    const lti = await ltiOf(services.proctor, examId);
    expect(lti.rosterSyncs.map((s) => s.added)).toEqual([0, 3]);
  });

  it('an exam without a course roster says so', async () => {
    const { examId } = await exam();
    expectError(
      await services.instructor.post(`/api/exams/${examId}/lti/roster-sync`),
      409,
      'LTI_NO_ROSTER',
    );
    expect(await ltiOf(services.instructor, examId)).toEqual({
      links: [],
      rosterSyncs: [],
      grades: [],
    });
  });
});

describe.each(engines())('LTI roster schedule on %s', (engine) => {
  let server: TestServer;
  let lms: LtiPlatformEmulator;
  let publicUrl: string;

  beforeAll(async () => {
    ({ server, lms, publicUrl } = await startServicesPair(engine, { rosterCheckMs: 300 }));
  });
  afterAll(async () => {
    await lms?.close();
    await server?.close();
  });

  it('syncs a placed exam’s roster on its own, then not again before it is due', async () => {
    const admin = (await server.signedIn('admin')) as Client;
    expect((await admin.post('/api/lti/platforms', lms.platformInput())).status).toBe(201);
    const examId = (await admin.post('/api/exams', buildExam({}, server.clock.now().getTime())))
      .body.id as string;
    lms.course('c-sched').members.push(learner('s-2'), learner('s-3'));
    const browser = new LtiBrowser(publicUrl);
    const page = await browser.launch(
      lms.launchUrl({
        user: learner('s-1'),
        kind: 'resource',
        contextId: 'c-sched',
        custom: { invigil_exam_id: examId },
      }),
    );
    expect(page.status, page.html).toBe(200);
    const lti = await eventually(async () => {
      const res = await admin.get(`/api/exams/${examId}/lti`);
      expect((res.body as ExamLti).rosterSyncs[0]?.status).toBe('done');
      return res.body as ExamLti;
    }, 10_000);
    expect(lti.rosterSyncs).toHaveLength(1);
    expect(lti.rosterSyncs[0]).toMatchObject({ trigger: 'schedule', added: 2, existing: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      ((await admin.get(`/api/exams/${examId}/lti`)).body as ExamLti).rosterSyncs,
    ).toHaveLength(1);
  });
});
