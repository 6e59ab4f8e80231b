import { describe, expect, it } from 'vitest';
import {
  FIXTURE_T0,
  buildAlert,
  buildChatMessage,
  buildHand,
  buildLink,
  buildMessage,
  buildSession,
  buildSnapshot,
  buildTile,
} from './fixtures';
import {
  applyLiveMessage,
  applyLiveMessages,
  reconcileSnapshot,
  stateFromSnapshot,
  tileList,
  unacknowledgedBySession,
} from './live-model';

const two = () =>
  buildSnapshot([
    buildTile({ session: { id: 's1' } }),
    buildTile({
      session: { id: 's2', studentId: 'u2' },
      student: { id: 'u2', name: 'Alex', email: 'a@x.test' },
    }),
  ]);

describe('live model: snapshot and messages to state', () => {
  it('starts from the snapshot, alerts newest first', () => {
    const older = buildAlert({ id: 'old', createdAt: '2030-01-01T09:00:00.000Z' });
    const newer = buildAlert({ id: 'new', createdAt: '2030-01-01T09:30:00.000Z' });
    const state = stateFromSnapshot(buildSnapshot([buildTile()], [older, newer], 7));
    expect(state.alerts.map((a) => a.flag.id)).toEqual(['new', 'old']);
    expect(state.cursor).toBe(7);
    expect(tileList(state).map((t) => t.session.id)).toEqual(['s1']);
  });

  it('moves a session between state counts and replaces only its tile', () => {
    const state = stateFromSnapshot(two());
    const s2 = state.tiles.s2;
    const next = applyLiveMessage(
      state,
      buildMessage('session.state', 11, buildSession({ id: 's1', state: 'paused' })),
    );
    expect(next.tiles.s1?.session.state).toBe('paused');
    expect(next.counts.in_progress).toBe(1);
    expect(next.counts.paused).toBe(1);
    expect(next.tiles.s2).toBe(s2);
    expect(next.cursor).toBe(11);
  });

  it('skips messages at or before the cursor (replays after reconnecting)', () => {
    const state = stateFromSnapshot(two());
    const replayed = buildMessage('session.state', 10, buildSession({ state: 'paused' }));
    expect(applyLiveMessage(state, replayed)).toBe(state);
  });

  it('updates risk and health', () => {
    const state = applyLiveMessages(stateFromSnapshot(two()), [
      buildMessage('session.risk', 11, {
        sessionId: 's2',
        score: 64,
        contributions: [],
        explanation: [],
        updatedAt: '2030-01-01T10:00:00.000Z',
      }),
      buildMessage(
        'session.health',
        12,
        {
          sessionId: 's2',
          connected: false,
          lastUploadAt: null,
          lastVideoAt: null,
          videoAt: { webcam: null, screen: null },
          lastSeenAt: null,
          presence: 'online',
        },
        's2',
      ),
    ]);
    expect(state.tiles.s2?.risk).toBe(64);
    expect(state.tiles.s2?.health.connected).toBe(false);
  });

  it('moves thumbnails on to newer snapshots named by health messages, never back', () => {
    const health = (latest: object) =>
      buildMessage(
        'session.health',
        0,
        {
          sessionId: 's2',
          connected: true,
          lastUploadAt: null,
          lastVideoAt: null,
          videoAt: { webcam: null, screen: null },
          lastSeenAt: null,
          presence: 'online',
          latest,
        },
        's2',
      );
    let state = stateFromSnapshot(two());
    state = applyLiveMessage(state, health({ webcam: { seq: 7, takenMs: 7000 } }));
    expect(state.tiles.s2?.latest.webcam).toEqual({ seq: 7, takenMs: 7000 });
    const screen = state.tiles.s2?.latest.screen;
    state = applyLiveMessage(state, health({ webcam: { seq: 3, takenMs: 3000 } }));
    expect(state.tiles.s2?.latest.webcam?.seq).toBe(7);
    expect(state.tiles.s2?.latest.screen).toEqual(screen);
  });

  it('adds a new flag to the feed and counts it once, even when it comes again', () => {
    const alert = buildAlert({ id: 'f9' });
    let state = stateFromSnapshot(two());
    state = applyLiveMessage(state, buildMessage('flag.created', 11, alert));
    state = applyLiveMessage(state, buildMessage('flag.created', 12, alert));
    expect(state.alerts.map((a) => a.flag.id)).toEqual(['f9']);
    expect(state.tiles.s1?.openFlags).toBe(1);
  });

  it('a dismissed flag no longer counts as open', () => {
    const alert = buildAlert({ id: 'f9' });
    let state = applyLiveMessage(stateFromSnapshot(two()), buildMessage('flag.created', 11, alert));
    expect(state.tiles.s1?.openFlags).toBe(1);
    state = applyLiveMessage(
      state,
      buildMessage('flag.updated', 12, buildAlert({ id: 'f9', reviewStatus: 'dismissed' })),
    );
    expect(state.tiles.s1?.openFlags).toBe(0);
    expect(state.alerts.map((a) => a.flag.id)).toEqual(['f9']);
  });

  it('applies acknowledgement and assignment to the alert', () => {
    const alert = buildAlert({ id: 'f1' });
    const state = applyLiveMessage(
      stateFromSnapshot(buildSnapshot([buildTile()], [alert])),
      buildMessage('alert.updated', 11, {
        ...alert.handling,
        acknowledgedBy: { id: 'p1', name: 'Pat' },
        acknowledgedAt: '2030-01-01T10:00:00.000Z',
      }),
    );
    expect(state.alerts[0]?.handling.acknowledgedBy?.name).toBe('Pat');
    expect(unacknowledgedBySession(state.alerts).get('s1')).toBeUndefined();
  });

  it('marks the state stale when a message names an unknown session', () => {
    const state = applyLiveMessage(
      stateFromSnapshot(two()),
      buildMessage('session.state', 11, buildSession({ id: 's3', state: 'checking_in' }), 's3'),
    );
    expect(state.stale).toBe(true);
    expect(state.counts.checking_in).toBe(0);
  });

  it('ignores heartbeats and interventions', () => {
    const state = stateFromSnapshot(two());
    const next = applyLiveMessage(
      state,
      buildMessage('heartbeat', 0, { serverTime: '2030-01-01T10:00:00.000Z' }, null),
    );
    expect(next).toBe(state);
  });
});

describe('live model: reconciling a fresh snapshot', () => {
  it('keeps unchanged tiles and re-applies newer messages', () => {
    const previous = stateFromSnapshot(two());
    const fresh = two();
    fresh.cursor = 20;
    fresh.sessions[1]!.risk = 30;
    const recent = [
      buildMessage('session.risk', 19, {
        sessionId: 's1',
        score: 99,
        contributions: [],
        explanation: [],
        updatedAt: '2030-01-01T10:00:00.000Z',
      }),
      buildMessage(
        'session.state',
        21,
        buildSession({ id: 's2', studentId: 'u2', state: 'paused' }),
        's2',
      ),
    ];
    const state = reconcileSnapshot(previous, fresh, recent);
    expect(state.tiles.s1).toBe(previous.tiles.s1);
    expect(state.tiles.s2?.risk).toBe(30);
    expect(state.tiles.s2?.session.state).toBe('paused');
    expect(state.cursor).toBe(21);
  });
});

describe('live model: chat, hands and live links', () => {
  const later = (ms: number) => new Date(FIXTURE_T0 + ms).toISOString();

  it('takes the server’s unread count and counts a student message it has not counted', () => {
    let state = stateFromSnapshot(two());
    const s2 = state.tiles.s2;
    // The message first: one more unread; then the server's count, which includes it.
    state = applyLiveMessage(state, buildMessage('chat.message', 11, buildChatMessage()));
    expect(state.tiles.s1?.unreadChat).toBe(1);
    state = applyLiveMessage(
      state,
      buildMessage('chat.unread', 12, { sessionId: 's1', unread: 1, lastAt: later(0) }),
    );
    expect(state.tiles.s1?.unreadChat).toBe(1);
    // The count first (it names the message's time): the message is not counted again.
    state = applyLiveMessage(
      state,
      buildMessage('chat.unread', 13, { sessionId: 's1', unread: 2, lastAt: later(5000) }),
    );
    state = applyLiveMessage(
      state,
      buildMessage(
        'chat.message',
        14,
        buildChatMessage({ id: 'm2', seq: 2, createdAt: later(5000) }),
      ),
    );
    expect(state.tiles.s1?.unreadChat).toBe(2);
    // Staff read it: the server says 0. Staff messages never count.
    state = applyLiveMessage(
      state,
      buildMessage('chat.unread', 15, { sessionId: 's1', unread: 0, lastAt: later(5000) }),
    );
    state = applyLiveMessage(
      state,
      buildMessage(
        'chat.message',
        16,
        buildChatMessage({ id: 'm3', seq: 3, from: 'staff', createdAt: later(9000) }),
      ),
    );
    expect(state.tiles.s1?.unreadChat).toBe(0);
    expect(state.tiles.s2).toBe(s2);
  });

  it('keeps each announcement once, whichever session’s copy brings it', () => {
    const announcement = buildChatMessage({
      id: 'a1',
      seq: 4,
      sessionId: null,
      kind: 'announcement',
      from: 'staff',
      body: 'Ten minutes left',
    });
    const state = applyLiveMessages(stateFromSnapshot(two()), [
      buildMessage('chat.message', 11, announcement, 's1'),
      buildMessage('chat.message', 12, announcement, 's2'),
    ]);
    expect(state.announcements.map((a) => a.id)).toEqual(['a1']);
    expect(state.tiles.s1?.unreadChat).toBe(0);
    // A fresh snapshot (which has no announcements) keeps them.
    expect(reconcileSnapshot(state, two()).announcements).toHaveLength(1);
  });

  it('starts from the snapshot’s hands and follows them, newest first', () => {
    const snapshot = two();
    snapshot.helpRequests = [buildHand({ id: 'h0', raisedAt: later(-60_000) })];
    let state = stateFromSnapshot(snapshot);
    state = applyLiveMessage(state, buildMessage('hand', 11, buildHand()));
    expect(state.helpRequests.map((h) => h.id)).toEqual(['h1', 'h0']);
    const taken = buildHand({ takenBy: { id: 'p1', name: 'Pat' }, takenAt: later(1000) });
    state = applyLiveMessage(state, buildMessage('hand', 12, taken));
    expect(state.helpRequests).toHaveLength(2);
    expect(state.helpRequests[0]?.takenBy?.name).toBe('Pat');
    // A replay changes nothing.
    expect(applyLiveMessage(state, buildMessage('hand', 11, buildHand()))).toBe(state);
  });

  it('keeps the open live links current and drops ended ones', () => {
    const snapshot = two();
    snapshot.rtcLinks = [buildLink({ id: 'l0', sessionId: 's2' })];
    let state = stateFromSnapshot(snapshot);
    state = applyLiveMessage(state, buildMessage('rtc.link', 11, buildLink()));
    state = applyLiveMessage(state, buildMessage('rtc.link', 12, buildLink({ state: 'live' })));
    expect(state.rtcLinks.map((l) => `${l.id}:${l.state}`)).toEqual(['l0:connecting', 'l1:live']);
    state = applyLiveMessage(
      state,
      buildMessage('rtc.link', 13, buildLink({ id: 'l0', sessionId: 's2', state: 'ended' }), 's2'),
    );
    expect(state.rtcLinks.map((l) => l.id)).toEqual(['l1']);
  });
});
