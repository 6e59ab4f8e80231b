import type { MatrixFixture } from './fixture.js';
import {
  finishedSession,
  flagToReview,
  provisionalVerdict,
  reopenedFlag,
  reviewedSession,
} from './reviews.js';
import { fixed, type Row } from './row.js';

/** Review: the queue, flag decisions, verdicts, responses and reports. */
export function reviewRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'GET /api/exams/{id}/review-queue',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/review-queue`),
    },
    {
      op: 'POST /api/flags/{id}/review',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${(await flagToReview(f)).flagId}/review`,
        body: { decision: 'confirmed' },
      }),
    },
    {
      // Re-deciding after the student's response: the same callers as a first decision.
      op: 'POST /api/flags/{id}/review',
      variant: 'reopened by the response',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/flags/${await reopenedFlag(f)}/review`,
        body: { decision: 'dismissed', comment: 'Explained by the response' },
      }),
    },
    {
      // Each allowed cell gives the verdict on its own finished session.
      op: 'POST /api/sessions/{id}/verdict',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({
        path: `/api/sessions/${(await finishedSession(f, false)).sessionId}/verdict`,
        body: { verdict: 'clean', reason: 'Authorization matrix' },
      }),
    },
    {
      op: 'POST /api/sessions/{id}/response',
      expect: 'U  A  H  F  F  F  F  F  F  F',
      prepare: async (caller) => ({
        path: `/api/sessions/${caller === 'student' ? await provisionalVerdict(f) : await reviewedSession(f)}/response`,
        body: { text: 'Authorization matrix response' },
      }),
    },
    {
      op: 'GET /api/sessions/{id}/review',
      expect: 'U  A  H  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession(f)}/review` }),
    },
    {
      op: 'GET /api/me/reviews',
      expect: 'U  A  A  F  F  F  F  F  S  F',
      prepare: fixed(() => '/api/me/reviews'),
    },
    {
      op: 'GET /api/sessions/{id}/report',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession(f)}/report` }),
    },
    {
      op: 'GET /api/sessions/{id}/report.html',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: async () => ({ path: `/api/sessions/${await reviewedSession(f)}/report.html` }),
    },
  ];
}
