import type { BadInputFixture } from './fixture.js';
import { ANY_QUESTION, type ValueCase } from './target.js';

/** Session transitions, interventions, staff tools, review and recordings out of contract. */
export function sessionValueCases(f: BadInputFixture): ValueCase[] {
  return [
    [
      'transition to nowhere',
      () => f.admin.post(`/api/sessions/${f.sessionId}/transitions`, { to: 'teleported' }),
    ],
    [
      'transition reason 1001 chars',
      () =>
        f.admin.post(`/api/sessions/${f.sessionId}/transitions`, {
          to: 'paused',
          reason: 'x'.repeat(1001),
        }),
    ],
    ...interventionCases(f),
    ...reviewCases(f),
    ...recordingCases(f),
  ];
}

/** Intervention bodies out of contract: each kind's message rules. */
function interventionCases(f: BadInputFixture): ValueCase[] {
  const send = (body: unknown) =>
    f.proctor.post(`/api/sessions/${f.sessionId}/interventions`, body);
  return [
    ['intervention unknown kind', () => send({ kind: 'scold', message: 'x' })],
    ['warning without message', () => send({ kind: 'warning' })],
    ['warning blank message', () => send({ kind: 'warning', message: '   ' })],
    ['warning message 1001', () => send({ kind: 'warning', message: 'x'.repeat(1001) })],
    ['terminate without reason', () => send({ kind: 'terminate' })],
    ['resume with message', () => send({ kind: 'resume', message: 'x' })],
    ['pause message 1001', () => send({ kind: 'pause', message: 'x'.repeat(1001) })],
    ...staffToolCases(f),
  ];
}

/** Staff tool bodies out of contract: minutes, and the reasons they all need. */
function staffToolCases(f: BadInputFixture): ValueCase[] {
  const at = (what: string) => (body: unknown) =>
    f.proctor.post(`/api/sessions/${f.sessionId}/${what}`, body);
  const extend = at('extend-time');
  const cancel = at(`interventions/${ANY_QUESTION}/cancel`);
  return [
    ['extend 0 minutes', () => extend({ minutes: 0, reason: 'x' })],
    ['extend 601 minutes', () => extend({ minutes: 601, reason: 'x' })],
    ['extend 2.5 minutes', () => extend({ minutes: 2.5, reason: 'x' })],
    ['extend without reason', () => extend({ minutes: 5 })],
    ['extend blank reason', () => extend({ minutes: 5, reason: '  ' })],
    ['reopen without reason', () => at('reopen')({})],
    ['reopen reason 1001', () => at('reopen')({ reason: 'x'.repeat(1001) })],
    ['new attempt blank reason', () => at('new-attempt')({ reason: ' ' })],
    ['cancel reason 1001', () => cancel({ reason: 'x'.repeat(1001) })],
  ];
}

/** Review bodies out of contract: decisions, verdicts and responses. */
function reviewCases(f: BadInputFixture): ValueCase[] {
  const flag = (body: unknown) => f.admin.post(`/api/flags/${ANY_QUESTION}/review`, body);
  const verdict = (body: unknown) => f.admin.post(`/api/sessions/${f.sessionId}/verdict`, body);
  const respond = (body: unknown) => f.student.post(`/api/sessions/${f.sessionId}/response`, body);
  return [
    ['flag decision open', () => flag({ decision: 'open' })],
    ['flag dismissed without comment', () => flag({ decision: 'dismissed' })],
    ['flag dismissed blank comment', () => flag({ decision: 'dismissed', comment: '  ' })],
    ['flag comment 2001', () => flag({ decision: 'confirmed', comment: 'x'.repeat(2001) })],
    ['verdict unknown', () => verdict({ verdict: 'guilty', reason: 'x' })],
    ['verdict without reason', () => verdict({ verdict: 'clean' })],
    ['verdict blank reason', () => verdict({ verdict: 'clean', reason: ' ' })],
    ['verdict reason 5001', () => verdict({ verdict: 'clean', reason: 'x'.repeat(5001) })],
    [
      'verdict blank override comment',
      () => verdict({ verdict: 'clean', reason: 'x', overrideComment: '  ' }),
    ],
    [
      'verdict override comment 5001',
      () => verdict({ verdict: 'clean', reason: 'x', overrideComment: 'x'.repeat(5001) }),
    ],
    ['response empty', () => respond({ text: '' })],
    ['response 5001', () => respond({ text: 'x'.repeat(5001) })],
  ];
}

/** Malformed recording queries and upload parameters. */
function recordingCases(f: BadInputFixture): ValueCase[] {
  const base = `/api/sessions/${f.sessionId}`;
  return [
    ['recording ?toMs before fromMs', () => f.admin.get(`${base}/recording?fromMs=10&toMs=5`)],
    ['recording ?fromMs=abc', () => f.admin.get(`${base}/recording?fromMs=abc`)],
    ['recording ?unknown=1', () => f.admin.get(`${base}/recording?unknown=1`)],
    ['media track microphone', () => f.admin.get(`${base}/media/microphone/0`)],
    ['media seq -1', () => f.admin.get(`${base}/media/webcam/-1`)],
    ['snapshot seq 1.5', () => f.admin.get(`${base}/snapshots/webcam/1.5`)],
    ['snapshot kind selfie', () => f.admin.get(`${base}/snapshots/selfie/0`)],
    [
      'events seq too large',
      () =>
        f.student.post(`${base}/events`, {
          events: [{ seq: 10_000_001, type: 'page.load', at: 1 }],
        }),
    ],
  ];
}
