import { DEFAULT_POLICY } from '@invigil/contracts';
import { exams } from '../../apps/server/src/db/schema.js';
import type { DemoServer } from './app-server.js';
import { checkInByApi, demoApiSession } from './student-flow.js';

/** What the student pages show once the scene is set: ids the pages are opened with. */
export interface StudentScene {
  /** The first demo student's finished attempt: decided flags, a provisional verdict, a score. */
  reviewedSessionId: string;
  /** The second demo student's submitted attempt: no verdict, no score yet. */
  pendingSessionId: string;
  /** The second student's registration for the open exam, not yet checked in. */
  decliningSessionId: string;
  /** The first student's registration for an exam that opens in three days. */
  laterSessionId: string;
  examTitle: string;
  openTitle: string;
  laterTitle: string;
}

const HOUR = 3_600_000;
type Api = Awaited<ReturnType<typeof demoApiSession>>;
interface Question {
  id: string;
  kind: string;
}

/** Answers the choice questions and one short text, then submits; returns the short text. */
async function answerAndSubmit(student: Api, sessionId: string): Promise<Question | undefined> {
  const base = `/api/sessions/${sessionId}`;
  const view = (await student.call('GET', `${base}/exam`)) as { questions: Question[] };
  for (const q of view.questions) {
    if (q.kind === 'single_choice')
      await student.call('PUT', `${base}/answers/${q.id}`, { value: { choice: 0 } });
    if (q.kind === 'true_false')
      await student.call('PUT', `${base}/answers/${q.id}`, { value: { choice: 1 } });
  }
  const text = view.questions.find((q) => q.kind === 'short_text');
  if (text)
    await student.call('PUT', `${base}/answers/${text.id}`, { value: { text: 'The median.' } });
  await student.call('POST', `${base}/transitions`, { to: 'submitted' });
  return text;
}

/**
 * The session's no-face flag and its ID document flag (the document photo has no face), once
 * both are raised: the server raises them in the background, and waiting for the pair makes the
 * result page the same whenever it is opened.
 */
async function bothFlags(
  proctor: Api,
  sessionId: string,
): Promise<{ noFace: string; idDocument: string }> {
  for (let tries = 0; tries < 600; tries++) {
    const flags = (await proctor.call('GET', `/api/sessions/${sessionId}/flags`)) as {
      id: string;
      type: string;
    }[];
    const noFace = flags.find((f) => f.type === 'no_face');
    const idDocument = flags.find((f) => f.type === 'id_document_mismatch');
    if (noFace && idDocument) return { noFace: noFace.id, idDocument: idDocument.id };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the no-face and ID document flags were not both raised');
}

/**
 * Fill the demo so that every student page has something in it: two more published exams
 * (one open, one opening in three days), the first student registered for the later one and
 * with a finished attempt at the demo exam (a no-face flag the proctor confirmed, an ID document flag dismissed, a provisional
 * violation verdict they may respond to, a released score with a grader's comment), and the
 * second student with a submitted attempt that has neither verdict nor score yet, registered
 * for the open exam too.
 */
export async function setStudentScene(server: DemoServer): Promise<StudentScene> {
  const admin = await demoApiSession(server, 'admin');
  const proctor = await demoApiSession(server, 'proctor');
  const sam = await demoApiSession(server, 'student', 0);
  const alex = await demoApiSession(server, 'student', 1);
  const [exam] = (await admin.call('GET', '/api/exams')) as { id: string; title: string }[];
  if (!exam) throw new Error('the demo has no exam');

  // Straight to the database: published exams need content, which the pages here never show.
  const now = Date.now();
  const openTitle = 'Linear Algebra — midterm';
  const laterTitle = 'Probability Theory — resit with a rather long title to wrap';
  const [open, later] = await server.instance.database.db
    .insert(exams)
    .values([
      {
        title: openTitle,
        description: 'Vectors, matrices and linear maps. Bring nothing but a pen.',
        status: 'published',
        opensAt: new Date(now - HOUR),
        closesAt: new Date(now + 7 * 24 * HOUR),
        durationMinutes: 90,
        capacity: 30,
        registrationDeadline: new Date(now + 6 * 24 * HOUR),
        policy: DEFAULT_POLICY,
      },
      {
        title: laterTitle,
        status: 'published',
        opensAt: new Date(now + 3 * 24 * HOUR),
        closesAt: new Date(now + 4 * 24 * HOUR),
        durationMinutes: 120,
        capacity: 2,
        registrationDeadline: new Date(now + 2 * 24 * HOUR),
        policy: DEFAULT_POLICY,
      },
    ])
    .returning();
  if (!open || !later) throw new Error('could not add the exams');
  const laterReg = await sam.call('POST', `/api/exams/${later.id}/registrations`);

  // The first student's attempt, with a no-face flag while it ran.
  const reg = await sam.call('POST', `/api/exams/${exam.id}/registrations`);
  const sessionId = reg.sessionId as string;
  const base = `/api/sessions/${sessionId}`;
  await sam.call('POST', `${base}/transitions`, { to: 'checking_in' });
  await checkInByApi(sam, sessionId);
  await sam.call('POST', `${base}/transitions`, { to: 'in_progress' });
  const t0 = Date.now() - 30_000;
  const data = { detector: 'no_face', confidence: 0.9, model: 'e2e' };
  await sam.call('POST', `${base}/events`, {
    events: [
      { seq: 1, type: 'detect.state', at: t0, data: { ...data, active: true } },
      { seq: 2, type: 'detect.state', at: t0 + 20_000, data: { ...data, active: false } },
    ],
  });
  const text = await answerAndSubmit(sam, sessionId);
  const flag = await bothFlags(proctor, sessionId);
  await proctor.call('POST', `/api/flags/${flag.noFace}/review`, {
    decision: 'confirmed',
    comment: 'No face in view for 20 seconds',
  });
  await proctor.call('POST', `/api/flags/${flag.idDocument}/review`, {
    decision: 'dismissed',
    comment: 'The card was held at an angle; it is the student’s.',
  });
  await proctor.call('POST', `${base}/verdict`, {
    verdict: 'violation',
    reason: 'The student left the camera’s view during the exam.',
  });
  // Unanswered questions need no grade; the one written answer does.
  if (text)
    await admin.call('PUT', `${base}/answers/${text.id}/grade`, {
      points: 1,
      comment: 'Right idea; say why the median resists outliers.',
    });
  await admin.call('POST', `${base}/score/release`);

  // The second student's attempt: submitted, nothing decided yet.
  const pending = await alex.call('POST', `/api/exams/${exam.id}/registrations`);
  const pendingBase = `/api/sessions/${pending.sessionId}`;
  await alex.call('POST', `${pendingBase}/transitions`, { to: 'checking_in' });
  await checkInByApi(alex, pending.sessionId as string);
  await alex.call('POST', `${pendingBase}/transitions`, { to: 'in_progress' });
  await alex.call('POST', `${pendingBase}/transitions`, { to: 'submitted' });

  // The second student registers for the open exam, to decline consent at its check-in.
  const declining = await alex.call('POST', `/api/exams/${open.id}/registrations`);

  return {
    decliningSessionId: declining.sessionId as string,
    reviewedSessionId: sessionId,
    pendingSessionId: pending.sessionId as string,
    laterSessionId: laterReg.sessionId as string,
    examTitle: exam.title,
    openTitle,
    laterTitle,
  };
}
