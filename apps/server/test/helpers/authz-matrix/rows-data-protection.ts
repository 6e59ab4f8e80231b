import { forgetFinishedExports, readyStudentExport } from './accounts.js';
import type { MatrixFixture } from './fixture.js';
import { fixed, type Row } from './row.js';

/** Data exports, retention, legal holds and erasure. */
export function dataProtectionRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'POST /api/me/exports',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      prepare: async (caller) => {
        if (caller === 'student' || caller === 'otherStudent') {
          await forgetFinishedExports(f, f.users[caller].userId);
        }
        return { path: '/api/me/exports' };
      },
    },
    {
      op: 'GET /api/me/exports',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      prepare: fixed(() => '/api/me/exports'),
    },
    {
      op: 'POST /api/users/{id}/exports',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      // A fresh student per cell: one export an hour per student.
      prepare: async () => {
        const target = await f.server.signedIn('student');
        return { path: `/api/users/${target.userId}/exports` };
      },
    },
    {
      op: 'GET /api/exports/{id}',
      expect: 'U  A  H  H  H  H  H  A  S  A',
      prepare: async () => ({ path: `/api/exports/${await readyStudentExport(f)}` }),
    },
    {
      op: 'GET /api/exports/{id}/download',
      expect: 'U  A  H  H  H  H  H  A  S  A',
      prepare: async () => ({ path: `/api/exports/${await readyStudentExport(f)}/download` }),
    },
    {
      op: 'GET /api/settings/retention',
      expect: 'U  F  F  F  F  A  A  A  F  A',
      prepare: fixed(() => '/api/settings/retention'),
    },
    {
      op: 'PUT /api/settings/retention',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/settings/retention',
        () => ({ mediaDaysAfterVerdict: 365, identityDays: 90, undecidedDays: 730 }),
      ),
    },
    {
      op: 'POST /api/retention/run',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/retention/run'),
    },
    {
      op: 'GET /api/sessions/{id}/hold',
      expect: 'U  F  F  A  H  A  H  A  S  A',
      prepare: fixed(() => `/api/sessions/${f.sessionId}/hold`),
    },
    {
      op: 'PUT /api/sessions/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => `/api/sessions/${f.sessionId}/hold`,
        () => ({ reason: 'Matrix hold' }),
      ),
    },
    {
      op: 'DELETE /api/sessions/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async (caller) => {
        const path = `/api/sessions/${f.sessionId}/hold`;
        if (caller === 'admin') await f.users.admin.put(path, { reason: 'To lift' });
        return { path };
      },
    },
    {
      op: 'PUT /api/exams/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => `/api/exams/${f.examA}/hold`,
        () => ({ reason: 'Matrix hold' }),
      ),
    },
    {
      op: 'DELETE /api/exams/{id}/hold',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async (caller) => {
        const path = `/api/exams/${f.examA}/hold`;
        if (caller === 'admin') await f.users.admin.put(path, { reason: 'To lift' });
        return { path };
      },
    },
    {
      op: 'POST /api/users/{id}/erasure',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      // A fresh student per cell: the admin's erasure goes through.
      prepare: async () => {
        const target = await f.server.signedIn('student');
        return {
          path: `/api/users/${target.userId}/erasure`,
          body: { confirmEmail: target.email },
        };
      },
    },
  ];
}
