import { gradableSessions, keyedExam, startedSession } from './attempts.js';
import type { MatrixFixture } from './fixture.js';
import { fixed, type Row } from './row.js';

/** Questions, answers, marks, grading, score release and accommodations. */
export function questionRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'GET /api/exams/{id}/questions',
      // An exam like A with a multiple-choice question: only instructors and admins get its key.
      expect: 'U  F  F  K  H  A  H  A  K  A',
      prepare: async () => ({ path: `/api/exams/${await keyedExam(f)}/questions` }),
    },
    {
      op: 'PUT /api/exams/{id}/questions',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/exams/${f.examA}/questions`,
        () => ({ questions: [{ kind: 'short_text', prompt: 'Set in the matrix' }] }),
      ),
    },
    {
      op: 'GET /api/sessions/{id}/exam',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `/api/sessions/${(await startedSession(f)).sessionId}/exam` }),
    },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const s = await startedSession(f);
        return {
          path: `/api/sessions/${s.sessionId}/answers/${s.questionId}`,
          body: { value: { choice: 1 } },
        };
      },
    },
    {
      op: 'PUT /api/sessions/{id}/marks/{questionId}',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => {
        const s = await startedSession(f);
        return {
          path: `/api/sessions/${s.sessionId}/marks/${s.questionId}`,
          body: { marked: true },
        };
      },
    },
    {
      op: 'GET /api/sessions/{id}/marks',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/marks`,
      }),
    },
    {
      op: 'GET /api/sessions/{id}/answers',
      expect: 'U  F  F  K  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await startedSession(f)).sessionId}/answers`,
      }),
    },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}/grade',
      // Graders are the exam's instructors and admins; proctors watch, they do not grade.
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => {
        const g = await gradableSessions(f);
        return { path: `${g.path}/answers/${g.textId}/grade`, body: { points: 1 } };
      },
    },
    {
      op: 'POST /api/sessions/{id}/score/release',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => ({ path: `${(await gradableSessions(f)).autoPath}/score/release` }),
    },
    {
      op: 'POST /api/exams/{id}/scores/release',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/scores/release`),
    },
    {
      op: 'GET /api/sessions/{id}/result',
      // Only the student's own; before release it says so (released false).
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async () => ({ path: `${(await gradableSessions(f)).autoPath}/result` }),
    },
    {
      op: 'PUT /api/registrations/{id}/accommodations',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(
        () => `/api/registrations/${f.registrationId}/accommodations`,
        () => ({ extraTimeMinutes: 10 }),
      ),
    },
  ];
}
