import { describe, expect, it } from 'vitest';
import type { Intervention, SessionEvent, Snapshot } from '@invigil/contracts';
import {
  FIXTURE_T0,
  buildAlert,
  buildChatMessage,
  buildFlag,
  buildHand,
  buildLink,
  buildMessage,
  buildSession,
} from './fixtures';
import {
  applyDetailMessage,
  availableInterventions,
  buildTimeline,
  identityPhotos,
  interventionAnswer,
  mergeChat,
  sessionLiveParts,
  type SessionDetailState,
} from './detail-model';

const base = (): SessionDetailState => ({
  session: buildSession(),
  flags: [buildFlag({ id: 'f1', startMs: FIXTURE_T0 })],
  risk: null,
  interventions: [],
  handling: {},
  health: null,
  chat: [],
  hands: [],
  rtcLinks: [],
  cursor: 5,
});

const intervention = (overrides: Partial<Intervention> = {}): Intervention => ({
  id: 'i1',
  sessionId: 's1',
  examId: 'e1',
  kind: 'warning',
  message: 'Eyes on your screen',
  by: { id: 'p1', name: 'Pat' },
  createdAt: '2030-01-01T10:00:00.000Z',
  acknowledgedAt: null,
  completedAt: null,
  cancelledAt: null,
  cancelledBy: null,
  minutes: null,
  ...overrides,
});

const event = (seq: number, type: string, clientMs: number): SessionEvent => ({
  source: 'client',
  seq,
  type,
  clientMs,
  serverAt: '2030-01-01T10:00:00.000Z',
  data: {},
});

describe('session detail: live messages', () => {
  it('ignores messages about other sessions and replays', () => {
    const state = base();
    expect(
      applyDetailMessage(
        state,
        buildMessage('session.state', 9, buildSession({ id: 's2', state: 'paused' }), 's2'),
      ),
    ).toBe(state);
    expect(applyDetailMessage(state, buildMessage('session.state', 5, buildSession()))).toBe(state);
  });

  it('follows state, flags in time order, handling and interventions', () => {
    let state = base();
    state = applyDetailMessage(
      state,
      buildMessage('session.state', 6, buildSession({ state: 'paused' })),
    );
    state = applyDetailMessage(
      state,
      buildMessage('flag.created', 7, buildAlert({ id: 'f0', startMs: FIXTURE_T0 - 1000 })),
    );
    state = applyDetailMessage(state, buildMessage('intervention', 8, intervention()));
    state = applyDetailMessage(
      state,
      buildMessage('intervention', 9, intervention({ acknowledgedAt: '2030-01-01T10:01:00.000Z' })),
    );
    expect(state.session.state).toBe('paused');
    // The new flag started before the one the page loaded with: it goes first.
    expect(state.flags.map((f) => f.id)).toEqual(['f0', 'f1']);
    expect(state.handling.f0?.flagId).toBe('f0');
    expect(state.interventions).toHaveLength(1);
    expect(interventionAnswer(state.interventions[0]!)).toBe('Acknowledged by the student');
    expect(state.cursor).toBe(9);
  });
});

describe('session detail: timeline', () => {
  it('merges events and flags by time, leaving detector detail out by default', () => {
    const flag = buildFlag({ id: 'f1', startMs: FIXTURE_T0 + 1000, severity: 'high' });
    const items = buildTimeline(
      [
        event(1, 'window.blur', FIXTURE_T0 + 1000),
        event(2, 'detect.snapshot', FIXTURE_T0 + 500),
        event(0, 'page.load', FIXTURE_T0),
      ],
      [flag],
    );
    expect(items.map((i) => i.key)).toEqual(['event-client-0', 'flag-f1', 'event-client-1']);
    expect(items[1]?.severity).toBe('high');
    expect(items[2]?.label).toBe('Left the exam window');
    expect(buildTimeline([event(2, 'detect.snapshot', 0)], [], true)).toHaveLength(1);
  });

  it('says when the server kept an event as evidence only', () => {
    const late = { ...event(3, 'page.visible', FIXTURE_T0), untrustedReason: 'late' as const };
    const [item] = buildTimeline([late], []);
    expect(item?.label).toBe(
      'Exam page visible again (arrived late; ends a flag only as of its arrival)',
    );
    expect(buildTimeline([{ ...late, untrustedReason: null }], [])[0]?.label).toBe(
      'Exam page visible again',
    );
  });

  it('says in words what the server found about the evidence', () => {
    const gap = {
      ...event(4, 'evidence.gap', FIXTURE_T0),
      source: 'server' as const,
      data: { subject: 'screen', fromMs: FIXTURE_T0, toMs: null, lastSeq: 2, thresholdMs: 18_000 },
    };
    expect(buildTimeline([gap], [])[0]?.label).toBe('Server: screen recording stopped arriving');
    // Only the server writes these: a client event of that name keeps its plain label.
    expect(buildTimeline([{ ...gap, source: 'client' }], [])[0]?.label).toBe('evidence gap');
  });
});

describe('session detail: interventions', () => {
  it('offers what the state allows', () => {
    expect(availableInterventions('in_progress')).toEqual({
      warning: true,
      pause: true,
      resume: false,
      terminate: true,
      room_scan: true,
      re_enrol: true,
      extend_time: true,
      reopen: false,
      new_attempt: false,
    });
    expect(availableInterventions('paused').resume).toBe(true);
    expect(availableInterventions('paused').re_enrol).toBe(true);
    expect(availableInterventions('checking_in').re_enrol).toBe(false);
    // A finished attempt: only the staff tools that follow one.
    const submitted = availableInterventions('submitted');
    expect(Object.keys(submitted).filter((k) => submitted[k as keyof typeof submitted])).toEqual([
      'new_attempt',
    ]);
    expect(availableInterventions('terminated').reopen).toBe(true);
  });
  it('says when staff withdrew a request', () => {
    const scan = intervention({ kind: 'room_scan', cancelledAt: '2030-01-01T10:02:00.000Z' });
    expect(interventionAnswer(scan)).toBe('Withdrawn by staff');
  });
  it('describes room scan answers', () => {
    const scan = intervention({ kind: 'room_scan' });
    expect(interventionAnswer(scan)).toBe('Waiting for the student');
    expect(interventionAnswer({ ...scan, completedAt: '2030-01-01T10:02:00.000Z' })).toBe(
      'Room scan done',
    );
    expect(interventionAnswer(intervention({ kind: 'pause' }))).toBeNull();
  });
  it('describes answers to a request for new identity photos', () => {
    const photos = intervention({ kind: 're_enrol' });
    expect(interventionAnswer(photos)).toBe('Waiting for the student');
    const seen = { ...photos, acknowledgedAt: '2030-01-01T10:01:00.000Z' };
    expect(interventionAnswer(seen)).toBe('Seen by the student, photos not taken yet');
    expect(interventionAnswer({ ...seen, completedAt: '2030-01-01T10:02:00.000Z' })).toBe(
      'New identity photos received',
    );
  });
});

describe('session detail: identity photos', () => {
  const photo = (kind: Snapshot['kind'], seq: number): Snapshot => ({
    id: `${kind}-${seq}`,
    kind,
    seq,
    takenMs: FIXTURE_T0 + seq * 1000,
    sizeBytes: 100,
    sha256: 'x',
    contentType: 'image/jpeg',
    receivedAt: '2030-01-01T10:00:00.000Z',
  });

  it('shows the newest of each kind and marks every earlier one replaced', () => {
    const { current, replaced } = identityPhotos([
      photo('id_face', 0),
      photo('webcam', 3),
      photo('id_document', 0),
      photo('id_face', 2),
      photo('id_face', 1),
    ]);
    expect(current.id_face?.snapshot.seq).toBe(2);
    expect(current.id_document?.snapshot.seq).toBe(0);
    expect(replaced.map((p) => [p.snapshot.kind, p.snapshot.seq, p.label])).toEqual([
      ['id_face', 1, 'Face photo (replaced)'],
      ['id_face', 0, 'Face photo (replaced)'],
    ]);
    expect(identityPhotos([photo('webcam', 0)])).toEqual({ current: {}, replaced: [] });
  });
});

describe('session detail: chat, hands and live links', () => {
  it('keeps this session’s messages and the announcements, once each, by seq', () => {
    let state = base();
    const mine = buildChatMessage({ id: 'm2', seq: 7 });
    const announcement = buildChatMessage({
      id: 'a1',
      seq: 6,
      sessionId: null,
      kind: 'announcement',
      from: 'staff',
    });
    state = applyDetailMessage(state, buildMessage('chat.message', 6, mine));
    state = applyDetailMessage(state, buildMessage('chat.message', 7, announcement));
    // Another session's message, and another session's copy of the announcement.
    state = applyDetailMessage(
      state,
      buildMessage('chat.message', 8, buildChatMessage({ id: 'x', sessionId: 's2' }), 's2'),
    );
    state = applyDetailMessage(state, buildMessage('chat.message', 9, announcement, null));
    expect(state.chat.map((m) => m.id)).toEqual(['a1', 'm2']);
    expect(
      mergeChat([buildChatMessage({ id: 'm0', seq: 1 })], state.chat).map((m) => m.id),
    ).toEqual(['m0', 'a1', 'm2']);
  });

  it('follows this session’s hands and open links only', () => {
    let state = {
      ...base(),
      ...sessionLiveParts('s1', {
        helpRequests: [buildHand(), buildHand({ id: 'h9', sessionId: 's2' })],
        rtcLinks: [buildLink(), buildLink({ id: 'l9', sessionId: 's2' })],
      }),
    };
    expect(state.hands.map((h) => h.id)).toEqual(['h1']);
    expect(state.rtcLinks.map((l) => l.id)).toEqual(['l1']);
    const resolved = buildHand({ closedAt: '2030-01-01T10:05:00.000Z', closeReason: 'resolved' });
    state = applyDetailMessage(state, buildMessage('hand', 6, resolved));
    state = applyDetailMessage(
      state,
      buildMessage('hand', 7, buildHand({ id: 'h9', sessionId: 's2' }), 's2'),
    );
    expect(state.hands.map((h) => h.closeReason)).toEqual(['resolved']);
    state = applyDetailMessage(state, buildMessage('rtc.link', 8, buildLink({ state: 'ended' })));
    expect(state.rtcLinks).toEqual([]);
  });
});
