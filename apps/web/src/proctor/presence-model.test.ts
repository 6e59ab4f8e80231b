import { describe, expect, it } from 'vitest';
import type { SessionPresence, SessionState } from '@invigil/contracts';
import { FIXTURE_T0, buildTile } from './fixtures';
import { PRESENCE_LABEL, healthLevel, tilePresence } from './grid-model';

const iso = (offsetMs: number) => new Date(FIXTURE_T0 + offsetMs).toISOString();

/**
 * A tile in `state` whose page holds no live connection, last heard `agoMs` before T0, with
 * the server's verdict `presence`.
 */
const unconnected = (state: SessionState, agoMs: number | null, presence: SessionPresence) =>
  buildTile({
    session: { state },
    health: {
      sessionId: 's1',
      connected: false,
      lastUploadAt: null,
      lastVideoAt: null,
      videoAt: { webcam: null, screen: null },
      lastSeenAt: agoMs === null ? null : iso(-agoMs),
      presence,
    },
  });

describe('tile presence: the server’s verdict, never the browser’s timing', () => {
  it('is the session state while the page is connected', () => {
    for (const state of ['in_progress', 'paused'] as const) {
      expect(tilePresence(buildTile({ session: { state } }))).toBe(state);
    }
  });

  it('is never offline before the exam room: registered and checking in hold no connection', () => {
    for (const state of ['registered', 'checking_in'] as const) {
      // Even a stray verdict (a flag of an earlier attempt) never makes check-in "Offline".
      const tile = unconnected(state, 120_000, 'offline');
      expect(tilePresence(tile)).toBe(state);
      expect(PRESENCE_LABEL[tilePresence(tile)]).not.toBe('Offline');
    }
    // Nor a warning: check-in pages are not expected to be connected.
    expect(healthLevel(unconnected('checking_in', 120_000, 'unknown'), FIXTURE_T0)).toBe('ok');
  });

  it('is offline exactly while the server says so (its connection_lost flag is open)', () => {
    for (const state of ['in_progress', 'paused'] as const) {
      expect(tilePresence(unconnected(state, 1000, 'offline'))).toBe('offline');
      expect(PRESENCE_LABEL[tilePresence(unconnected(state, 1000, 'offline'))]).toBe('Offline');
    }
  });

  it('never judges silence itself: long unheard but not judged gone is not offline', () => {
    for (const presence of ['online', 'unknown'] as const) {
      // Gone for ten minutes on the proctor's clock (or a skewed clock): still the state.
      expect(tilePresence(unconnected('in_progress', 600_000, presence))).toBe('in_progress');
      expect(tilePresence(unconnected('paused', null, presence))).toBe('paused');
    }
    // It is a warning, though: a running page without a connection.
    expect(healthLevel(unconnected('in_progress', 600_000, 'online'), FIXTURE_T0)).toBe('warn');
  });

  it('is the state itself once the attempt is over', () => {
    for (const state of ['submitted', 'terminated', 'under_review', 'reviewed'] as const) {
      expect(tilePresence(unconnected(state, 600_000, 'offline'))).toBe(state);
    }
  });
});
