import { describe, expect, it } from 'vitest';
import { communicationItems, formatDuration, linkDurationMs } from './communication-timeline';
import {
  applyDetailMessage,
  buildTimeline,
  timelineLinks,
  type SessionDetailState,
} from './detail-model';
import {
  buildChatMessage,
  buildHand,
  buildLink,
  buildMessage,
  buildSession,
  FIXTURE_T0,
} from './fixtures';

const at = (offsetMs: number) => new Date(FIXTURE_T0 + offsetMs).toISOString();

describe('communication timeline lines', () => {
  it('says durations the way a person reads them', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });

  it('names who wrote each chat line and keeps the words as they are', () => {
    const words = '<b>not html</b> & "quotes"';
    const items = communicationItems(
      {
        chat: [
          buildChatMessage({ id: 'm1', body: words }),
          buildChatMessage({
            id: 'm2',
            seq: 2,
            from: 'staff',
            author: { id: 'p1', name: 'Pat Proctor' },
            body: 'Reload the page',
          }),
          buildChatMessage({
            id: 'm3',
            seq: 3,
            kind: 'announcement',
            sessionId: null,
            from: 'staff',
            author: { id: 'p2', name: 'Ada Admin' },
            body: '10 minutes left',
          }),
        ],
      },
      FIXTURE_T0,
    );
    expect(items.map((i) => [i.category, i.label, i.quote, i.by])).toEqual([
      ['chat', 'Chat from Sam Student (student)', words, 'Sam Student'],
      ['chat', 'Chat from Pat Proctor (staff)', 'Reload the page', 'Pat Proctor'],
      ['chat', 'Announcement to all students by Ada Admin', '10 minutes left', 'Ada Admin'],
    ]);
  });

  it('tells who took a hand and how it closed, from the start of the attempt', () => {
    const [resolved, lowered, open] = communicationItems(
      {
        hands: [
          buildHand({
            raisedAt: at(60_000),
            takenBy: { id: 'p1', name: 'Pat Proctor' },
            takenAt: at(75_000),
            closedAt: at(130_000),
            closedBy: { id: 'p1', name: 'Pat Proctor' },
            closeReason: 'resolved',
          }),
          buildHand({
            id: 'h2',
            message: '  ',
            closedAt: at(5_000),
            closeReason: 'lowered',
          }),
          buildHand({ id: 'h3', message: null }),
        ],
      },
      FIXTURE_T0,
    );
    expect(resolved).toMatchObject({
      category: 'hand',
      atMs: FIXTURE_T0 + 60_000,
      label: 'Sam Student raised a hand',
      quote: 'my camera froze',
      details: 'Taken by Pat Proctor at 1:15 · Resolved by Pat Proctor at 2:10',
    });
    expect(lowered).toMatchObject({
      quote: null,
      details: 'Not taken by a proctor · Lowered by the student at 0:05',
    });
    expect(open?.details).toBe('Nobody has taken it yet · Still open');
  });

  it('gives a link its kind, proctor, span, duration, connection and end reason', () => {
    const ended = buildLink({
      startedAt: at(10_000),
      connectedAt: at(12_000),
      endedAt: at(135_000),
      state: 'ended',
      endReason: 'hung_up',
    });
    expect(linkDurationMs(ended)).toBe(125_000);
    const [view, call, running] = communicationItems(
      {
        rtcLinks: [
          ended,
          buildLink({
            id: 'l2',
            kind: 'call',
            proctorCamera: true,
            startedAt: at(200_000),
            endedAt: at(230_000),
            state: 'ended',
            endReason: 'timeout',
            detail: 'No answer.',
          }),
          buildLink({ id: 'l3', startedAt: at(300_000), state: 'live', connectedAt: at(301_000) }),
        ],
      },
      FIXTURE_T0,
    );
    expect(view).toMatchObject({
      category: 'live',
      label: 'Live view by Pat Proctor',
      by: 'Pat Proctor',
      details: '0:10–2:15, lasted 2 min 5 s · connected at 0:12 · ended: The proctor ended it.',
    });
    expect(call?.label).toBe('Call (microphone and camera) by Pat Proctor');
    expect(call?.details).toBe(
      '3:20–3:50, lasted 30 s · never connected · ended: It could not connect in time. No answer.',
    );
    expect(running?.details).toBe('Since 5:00, still open (live) · connected at 5:01');
  });
});

describe('session detail timeline with communication', () => {
  const detail = (): SessionDetailState => ({
    session: buildSession(),
    flags: [],
    risk: null,
    interventions: [],
    handling: {},
    health: null,
    chat: [],
    hands: [],
    rtcLinks: [buildLink({ id: 'l0' })],
    cursor: 0,
  });

  it('keeps links that ended while the page was open for the timeline', () => {
    const live = buildLink({ state: 'live', connectedAt: at(1_000) });
    const ended = {
      ...live,
      state: 'ended' as const,
      endedAt: at(60_000),
      endReason: 'hung_up' as const,
    };
    let state = applyDetailMessage(detail(), buildMessage('rtc.link', 1, live));
    state = applyDetailMessage(state, buildMessage('rtc.link', 2, ended));
    // Another session's link is not this page's.
    state = applyDetailMessage(
      state,
      buildMessage('rtc.link', 3, buildLink({ id: 'x', sessionId: 's2' }), 's2'),
    );
    expect(state.rtcLinks.map((l) => l.id)).toEqual(['l0']);
    expect(timelineLinks(state).map((l) => [l.id, l.state])).toEqual([
      ['l0', 'connecting'],
      ['l1', 'ended'],
    ]);
  });

  it('orders chat, hands and links with events and flags', () => {
    const items = buildTimeline([], [], false, {
      communication: {
        startMs: FIXTURE_T0,
        chat: [buildChatMessage({ createdAt: at(20_000) })],
        hands: [buildHand({ raisedAt: at(10_000) })],
        rtcLinks: [buildLink({ startedAt: at(30_000) })],
      },
      notes: [
        {
          id: 'n1',
          sessionId: 's1',
          body: 'Looked fine',
          author: { id: 'p1', name: 'Pat Proctor' },
          createdAt: at(25_000),
        },
      ],
    });
    expect(items.map((i) => i.key)).toEqual(['hand-h1', 'chat-m1', 'note-n1', 'rtc-l1']);
    expect(items.every((i) => i.kind !== 'comm' || i.severity === null)).toBe(true);
  });
});
