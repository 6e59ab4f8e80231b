import type { MatrixFixture } from './fixture.js';
import {
  matrixPlatform,
  matrixWebhook,
  platformInput,
  rosterLink,
  sharedPlatform,
  sharedWebhook,
} from './integrations.js';
import { fixed, type Row } from './row.js';

/** Webhooks, notification settings and learning platforms (LTI). */
export function integrationRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    // Webhooks and notification settings: admins, browser sessions only.
    {
      op: 'GET /api/notifications/settings',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/notifications/settings'),
    },
    {
      op: 'GET /api/webhooks',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/webhooks'),
    },
    {
      op: 'POST /api/webhooks',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(
        () => '/api/webhooks',
        () => ({ url: 'http://127.0.0.1:9/created', events: ['flag.high'] }),
      ),
    },
    {
      op: 'PATCH /api/webhooks/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({
        path: `/api/webhooks/${await sharedWebhook(f)}`,
        body: { description: 'patched by the matrix' },
      }),
    },
    {
      op: 'DELETE /api/webhooks/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await matrixWebhook(f)}` }),
    },
    {
      op: 'GET /api/webhooks/{id}/deliveries',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await sharedWebhook(f)}/deliveries` }),
    },
    {
      op: 'POST /api/webhooks/{id}/test',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/webhooks/${await sharedWebhook(f)}/test` }),
    },
    // LTI platform registrations and the tool's keys: admins, browser sessions only.
    {
      op: 'GET /api/lti/platforms',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/platforms'),
    },
    {
      op: 'POST /api/lti/platforms',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/platforms', platformInput),
    },
    {
      op: 'GET /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/lti/platforms/${await sharedPlatform(f)}` }),
    },
    {
      op: 'PUT /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({
        path: `/api/lti/platforms/${await sharedPlatform(f)}`,
        body: { ...platformInput(), name: 'Renamed by the matrix' },
      }),
    },
    {
      op: 'DELETE /api/lti/platforms/{id}',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: async () => ({ path: `/api/lti/platforms/${await matrixPlatform(f)}` }),
    },
    {
      op: 'GET /api/lti/tool',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/tool'),
    },
    {
      op: 'POST /api/lti/keys/rotate',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/keys/rotate'),
    },
    {
      op: 'POST /api/lti/registration-invites',
      expect: 'U  F  F  F  F  F  F  A  F  F',
      prepare: fixed(() => '/api/lti/registration-invites'),
    },
    // An exam in learning platforms: its staff read; its instructors and admins act.
    {
      op: 'GET /api/exams/{id}/lti',
      expect: 'U  F  F  A  H  A  H  A  A  A',
      prepare: fixed(() => `/api/exams/${f.examA}/lti`),
    },
    {
      op: 'POST /api/exams/{id}/lti/roster-sync',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: async () => {
        await rosterLink(f);
        return { path: `/api/exams/${f.examA}/lti/roster-sync` };
      },
    },
    {
      op: 'POST /api/exams/{id}/lti/grades/retry',
      expect: 'U  F  F  F  F  A  H  A  S  A',
      prepare: fixed(() => `/api/exams/${f.examA}/lti/grades/retry`),
    },
  ];
}
