import { addDeadJob } from '../dead-job.js';
import type { MatrixFixture } from './fixture.js';
import { fixed, type Row } from './row.js';

/** Audit log, detection quality and the system pages. */
export function operationRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'GET /api/audit',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit'),
    },
    {
      op: 'GET /api/audit/page',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit/page'),
    },
    {
      op: 'GET /api/audit/export.csv',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/audit/export.csv'),
    },
    {
      // Staff who set detection rules: instructors (any) and admins.
      op: 'GET /api/detection/quality',
      expect: 'U  F  F  F  F  A  A  A  F  A',
      prepare: fixed(() => '/api/detection/quality'),
    },
    {
      op: 'GET /api/system/analysis',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/analysis'),
    },
    {
      op: 'GET /api/system/overview',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/overview?minutes=15'),
    },
    {
      op: 'GET /api/system/jobs',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/system/jobs'),
    },
    {
      op: 'POST /api/system/jobs/{id}/retry',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      // A dead job of its own for the caller who may retry it.
      prepare: async (caller) => {
        const id = caller === 'admin' ? (await addDeadJob(f.server.instance.jobs)).id : '1';
        return { path: `/api/system/jobs/${encodeURIComponent(id)}/retry` };
      },
    },
  ];
}
