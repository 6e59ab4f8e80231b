import { describe, expect, it } from 'vitest';
import { buildAlert, buildFlag, buildMessage, buildSession, buildSnapshot } from './fixtures';
import {
  alertSources,
  announce,
  backOnlineText,
  cameBackOnline,
  isBackOnline,
  shouldBeep,
} from './alert-model';
import { applyDetailMessage, buildTimeline, type SessionDetailState } from './detail-model';
import { applyLiveMessage, stateFromSnapshot } from './live-model';

const browser = buildFlag({ id: 'b', source: 'client' });
const server = buildFlag({ id: 'v', source: 'server' });

describe('one condition, one alert', () => {
  it('names every source of a merged alert', () => {
    expect(alertSources(buildAlert({ id: 'b' }))).toEqual(['Browser']);
    expect(alertSources(buildAlert({ id: 'b' }, { related: [server] }))).toEqual([
      'Browser',
      'Server',
    ]);
  });

  it('drops the separate alert of a flag that joins another alert', () => {
    const state = stateFromSnapshot(
      buildSnapshot(undefined, [
        buildAlert({ id: 'b' }),
        buildAlert({ id: 'v', source: 'server' }),
      ]),
    );
    const merged = buildAlert({ id: 'b' }, { related: [server] });
    const next = applyLiveMessage(state, buildMessage('flag.updated', state.cursor + 1, merged));
    expect(next.alerts.map((a) => a.flag.id)).toEqual(['b']);
    expect(next.alerts[0]?.related?.map((f) => f.id)).toEqual(['v']);
  });

  it('keeps each merged flag in the session detail (its own evidence)', () => {
    const detail: SessionDetailState = {
      session: buildSession(),
      flags: [browser],
      risk: null,
      interventions: [],
      handling: {},
      health: null,
      chat: [],
      hands: [],
      rtcLinks: [],
      cursor: 0,
    };
    const merged = buildAlert({ id: 'b' }, { related: [server] });
    const next = applyDetailMessage(detail, buildMessage('flag.updated', 1, merged));
    expect(next.flags.map((f) => f.id).sort()).toEqual(['b', 'v']);
  });
});

describe('back online', () => {
  const lost = buildAlert({ id: 'c', type: 'connection_lost', source: 'server', endMs: null });
  const back = buildAlert({
    id: 'c',
    type: 'connection_lost',
    source: 'server',
    startMs: 1_000_000,
    endMs: 1_042_000,
  });

  it('tells a lost connection that came back, once', () => {
    expect(isBackOnline(lost)).toBe(false);
    expect(isBackOnline(back)).toBe(true);
    expect(cameBackOnline([lost], [back])).toEqual([back]);
    expect(cameBackOnline([back], [back])).toEqual([]);
    expect(backOnlineText(back)).toBe('Back online after 42 s offline');
  });

  it('is announced politely and does not beep', () => {
    expect(announce([back])).toEqual({ text: 'Sam Student is back online.', assertive: false });
    expect(shouldBeep([back])).toBe(false);
    expect(shouldBeep([lost])).toBe(true);
  });
});

describe('timeline with the staff', () => {
  it('lists interventions and notes among events and flags, in time order', () => {
    const items = buildTimeline([], [browser], false, {
      interventions: [
        {
          id: 'i1',
          sessionId: 's1',
          examId: 'e1',
          kind: 'warning',
          message: 'Stay in view',
          by: { id: 'p', name: 'Pat Proctor' },
          createdAt: new Date(browser.startMs + 5000).toISOString(),
          acknowledgedAt: null,
          completedAt: null,
        } as never,
      ],
      notes: [
        {
          id: 'n1',
          sessionId: 's1',
          author: { id: 'p', name: 'Pat Proctor' },
          body: 'Looked away twice',
          createdAt: new Date(browser.startMs + 9000).toISOString(),
        },
      ],
    });
    expect(items.map((i) => i.kind)).toEqual(['flag', 'staff', 'staff']);
    expect(items[1]?.label).toBe('Proctor: Warning — “Stay in view”');
    expect(items[2]?.label).toBe('Note: Looked away twice');
  });
});
