import { buildExam } from '../factories.js';
import type { BadInputFixture } from './fixture.js';
import { ANY_FLAG, ANY_QUESTION, type Target } from './target.js';

/**
 * Valid input for the routes of exams and sessions: exams and their staff, registrations,
 * attempts, uploads, recordings, the live dashboard, review, interventions, chat, hands and
 * live views.
 */
export function examTargets(f: BadInputFixture): Target[] {
  return [
    { op: 'POST /api/exams', who: 'admin', body: () => ({ ...buildExam({}, f.now()) }) },
    { op: 'GET /api/exams/{id}', who: 'admin', params: () => ({ id: f.examId }) },
    {
      op: 'PATCH /api/exams/{id}',
      who: 'admin',
      params: () => ({ id: f.examId }),
      body: () => ({ title: 'Still valid', capacity: 40 }),
    },
    { op: 'POST /api/exams/{id}/archive', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'GET /api/exams/{id}/staff', who: 'admin', params: () => ({ id: f.examId }) },
    {
      op: 'GET /api/exams/{id}/staff/candidates',
      who: 'admin',
      params: () => ({ id: f.examId }),
    },
    {
      op: 'PUT /api/exams/{id}/staff/{userId}',
      who: 'admin',
      params: () => ({ id: f.examId, userId: f.proctor.userId }),
      body: () => ({ role: 'proctor' }),
    },
    {
      op: 'DELETE /api/exams/{id}/staff/{userId}',
      who: 'admin',
      params: () => ({ id: f.examId, userId: f.spareUserId }),
    },
    { op: 'POST /api/exams/{id}/registrations', who: 'student', params: () => ({ id: f.examId }) },
    { op: 'GET /api/exams/{id}/registrations', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'GET /api/registrations/{id}', who: 'admin', params: () => ({ id: f.registrationId }) },
    {
      op: 'POST /api/registrations/{id}/cancel',
      who: 'student',
      params: () => ({ id: f.registrationId }),
    },
    { op: 'GET /api/sessions/{id}', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'POST /api/sessions/{id}/transitions',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
      // Staff cannot move a registered session to paused: 409, which proves the body passed.
      body: () => ({ to: 'paused', reason: 'baseline' }),
    },
    { op: 'POST /api/sessions/{id}/consent', who: 'student', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/exams/{id}/questions', who: 'admin', params: () => ({ id: f.examId }) },
    {
      op: 'PUT /api/exams/{id}/questions',
      who: 'admin',
      params: () => ({ id: f.examId }),
      body: () => ({
        questions: [
          {
            kind: 'multiple_choice',
            prompt: 'Pick',
            options: ['a', 'b'],
            correctOption: 1,
            points: 2,
          },
        ],
      }),
    },
    { op: 'GET /api/sessions/{id}/exam', who: 'student', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}',
      who: 'student',
      params: () => ({ id: f.sessionId, questionId: ANY_QUESTION }),
      // The attempt has not started: 409, which proves the body passed.
      body: () => ({ value: { choice: 0 } }),
    },
    { op: 'GET /api/sessions/{id}/answers', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/answers/{questionId}/grade',
      who: 'admin',
      params: () => ({ id: f.sessionId, questionId: ANY_QUESTION }),
      // The attempt has not ended: 409 ATTEMPT_NOT_ENDED, which proves the body passed.
      body: () => ({ points: 1, comment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/score/release',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
    },
    { op: 'POST /api/exams/{id}/scores/release', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'GET /api/sessions/{id}/result', who: 'student', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/sessions/{id}/marks/{questionId}',
      who: 'student',
      params: () => ({ id: f.sessionId, questionId: ANY_QUESTION }),
      // The attempt has not started: 409, which proves the body passed.
      body: () => ({ marked: true }),
    },
    { op: 'GET /api/sessions/{id}/marks', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'PUT /api/registrations/{id}/accommodations',
      who: 'admin',
      params: () => ({ id: f.registrationId }),
      body: () => ({ extraTimeMinutes: 15 }),
    },
    {
      op: 'POST /api/bandwidth-probe',
      who: 'student',
      raw: true,
    },
    {
      op: 'PUT /api/sessions/{id}/media/{track}/{seq}',
      who: 'student',
      params: () => ({ id: f.sessionId, track: 'webcam', seq: '0' }),
      raw: true,
    },
    {
      op: 'PUT /api/sessions/{id}/snapshots/{kind}/{seq}',
      who: 'student',
      params: () => ({ id: f.sessionId, kind: 'webcam', seq: '0' }),
      raw: true,
    },
    {
      op: 'POST /api/sessions/{id}/face-photo-check',
      who: 'student',
      params: () => ({ id: f.sessionId }),
      raw: true,
    },
    {
      op: 'POST /api/sessions/{id}/events',
      who: 'student',
      params: () => ({ id: f.sessionId }),
      // The session is not checking in yet: 409, which proves the body passed.
      body: () => ({ events: [{ seq: 0, type: 'page.load', at: f.now(), data: { n: 1 } }] }),
    },
    { op: 'GET /api/sessions/{id}/events', who: 'admin', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/sessions/{id}/recording', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'GET /api/sessions/{id}/media/{track}/{seq}',
      who: 'admin',
      params: () => ({ id: f.sessionId, track: 'webcam', seq: '0' }),
    },
    {
      op: 'GET /api/sessions/{id}/snapshots/{kind}/{seq}',
      who: 'admin',
      params: () => ({ id: f.sessionId, kind: 'webcam', seq: '0' }),
    },
    { op: 'GET /api/sessions/{id}/flags', who: 'admin', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/sessions/{id}/risk', who: 'admin', params: () => ({ id: f.sessionId }) },
    // Live dashboard (any flag id: the parameter is what is checked here).
    { op: 'GET /api/exams/{id}/live', who: 'admin', params: () => ({ id: f.examId }) },
    { op: 'POST /api/flags/{id}/acknowledge', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'POST /api/flags/{id}/assign', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'DELETE /api/flags/{id}/assign', who: 'admin', params: () => ({ id: ANY_FLAG }) },
    { op: 'GET /api/sessions/{id}/notes', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'POST /api/sessions/{id}/notes',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
      body: () => ({ body: 'Looked away twice; fine after a warning.' }),
    },
    { op: 'GET /api/exams/{id}/review-queue', who: 'admin', params: () => ({ id: f.examId }) },
    {
      op: 'POST /api/flags/{id}/review',
      who: 'admin',
      // No such flag: 404, which proves the body passed.
      params: () => ({ id: ANY_QUESTION }),
      body: () => ({ decision: 'dismissed', comment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/verdict',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
      // The attempt has not finished: 409 REVIEW_NOT_OPEN, which proves the body passed.
      body: () => ({ verdict: 'clean', reason: 'baseline', overrideComment: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/response',
      who: 'student',
      params: () => ({ id: f.sessionId }),
      // No verdict yet: 404, which proves the body passed.
      body: () => ({ text: 'baseline' }),
    },
    { op: 'GET /api/sessions/{id}/review', who: 'admin', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/sessions/{id}/report', who: 'admin', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/sessions/{id}/report.html', who: 'admin', params: () => ({ id: f.sessionId }) },
    {
      op: 'POST /api/sessions/{id}/interventions',
      who: 'proctor',
      params: () => ({ id: f.sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ kind: 'warning', message: 'baseline' }),
    },
    {
      op: 'GET /api/sessions/{id}/interventions',
      who: 'admin',
      params: () => ({ id: f.sessionId }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/acknowledge',
      who: 'student',
      params: () => ({ id: f.sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/complete',
      who: 'student',
      params: () => ({ id: f.sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/interventions/{interventionId}/cancel',
      who: 'proctor',
      // The body is optional (a note); its rules are in staffToolCases.
      params: () => ({ id: f.sessionId, interventionId: ANY_QUESTION }),
    },
    {
      op: 'POST /api/sessions/{id}/extend-time',
      who: 'proctor',
      params: () => ({ id: f.sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ minutes: 5, reason: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/reopen',
      who: 'proctor',
      params: () => ({ id: f.sessionId }),
      // Not terminated: 409 ILLEGAL_TRANSITION, which proves the body passed.
      body: () => ({ reason: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/new-attempt',
      who: 'proctor',
      params: () => ({ id: f.sessionId }),
      // Not finished: 409 ATTEMPT_NOT_FINISHED, which proves the body passed.
      body: () => ({ reason: 'baseline' }),
    },
    { op: 'GET /api/sessions/{id}/attempts', who: 'admin', params: () => ({ id: f.sessionId }) },
    { op: 'GET /api/sessions/{id}/chat', who: 'student', params: () => ({ id: f.sessionId }) },
    {
      op: 'POST /api/sessions/{id}/chat',
      who: 'student',
      params: () => ({ id: f.sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ body: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/chat/read',
      who: 'student',
      params: () => ({ id: f.sessionId }),
      body: () => ({ seq: 0 }),
    },
    { op: 'GET /api/exams/{id}/announcements', who: 'admin', params: () => ({ id: f.examId }) },
    {
      op: 'POST /api/exams/{id}/announcements',
      who: 'proctor',
      params: () => ({ id: f.examId }),
      body: () => ({ body: 'baseline' }),
    },
    {
      op: 'POST /api/sessions/{id}/hand',
      who: 'student',
      // The body is optional (a message); its rules are in hands.test.ts.
      params: () => ({ id: f.sessionId }),
    },
    { op: 'GET /api/sessions/{id}/hands', who: 'student', params: () => ({ id: f.sessionId }) },
    // No such hand: 404 (the bodies are empty or optional).
    { op: 'POST /api/hands/{id}/lower', who: 'student', params: () => ({ id: ANY_QUESTION }) },
    { op: 'POST /api/hands/{id}/take', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
    { op: 'POST /api/hands/{id}/resolve', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
    { op: 'GET /api/sessions/{id}/rtc', who: 'proctor', params: () => ({ id: f.sessionId }) },
    {
      op: 'POST /api/sessions/{id}/rtc',
      who: 'proctor',
      params: () => ({ id: f.sessionId }),
      // The attempt has not started: 409 SESSION_NOT_ACTIVE, which proves the body passed.
      body: () => ({ kind: 'view' }),
    },
    // No such link: 404 (the body is empty).
    { op: 'POST /api/rtc/{id}/end', who: 'proctor', params: () => ({ id: ANY_QUESTION }) },
  ];
}
