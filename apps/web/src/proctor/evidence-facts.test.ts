import { describe, expect, it } from 'vitest';
import type { Flag } from '@invigil/contracts';
import { evidenceFacts, formatSpan } from './evidence-facts';
import { serverEventLabel } from './evidence-text';
import { buildFlag, FIXTURE_T0 } from './fixtures';

/** Times from the attempt's start, and a clock time that tests can read. */
const clock = { startMs: FIXTURE_T0, timeOfDay: (ms: number) => `t+${(ms - FIXTURE_T0) / 1000}` };
const s = (seconds: number) => FIXTURE_T0 + seconds * 1000;
const facts = (flag: Partial<Flag>) =>
  Object.fromEntries(evidenceFacts(buildFlag(flag), clock).facts.map((f) => [f.term, f.value]));

describe('evidence facts: missing evidence', () => {
  it('names the track, the last segment, when it went missing, and that it still is', () => {
    const gap = {
      type: 'recording_gap' as const,
      startMs: s(12),
      evidence: {
        snapshotIds: [],
        recording: null,
        details: {
          subject: 'screen',
          fromServerMs: s(12),
          toServerMs: null,
          lastSeq: 2,
          thresholdMs: 18_000,
        },
      },
    };
    expect(facts(gap)).toEqual({
      Track: 'Screen',
      'Last received': 'segment 2, at 0:12 (t+12)',
      'Missing until': 'still missing',
      'Counts as missing after': '18 s',
    });
  });

  it('says when it came back and with which item, or that nothing ever arrived', () => {
    const back = facts({
      type: 'snapshots_missing',
      evidence: {
        snapshotIds: [],
        recording: null,
        details: {
          subject: 'webcam',
          fromServerMs: s(30),
          toServerMs: s(95),
          lastSeq: 3,
          resumedSeq: 4,
          thresholdMs: 30_000,
        },
      },
    });
    expect(back['Missing until']).toBe('1:35 (t+95), when snapshot 4 arrived');
    const silent = facts({
      type: 'detection_silent',
      evidence: {
        snapshotIds: [],
        recording: null,
        details: { subject: 'webcam', fromServerMs: s(0), toServerMs: null, lastSeq: null },
      },
    });
    expect(silent).toMatchObject({
      Track: 'Webcam',
      'Last received': 'nothing',
      'Missing from': '0:00 (t+0)',
    });
  });

  it('explains a hole found in a finished recording and a refused upload', () => {
    const hole = facts({
      type: 'recording_gap',
      startMs: s(60),
      endMs: s(84),
      evidence: {
        snapshotIds: [],
        recording: null,
        details: {
          subject: 'webcam',
          reason: 'missing_seqs',
          afterSeq: 9,
          missingSeqs: 4,
          toleranceMs: 6000,
        },
      },
    });
    expect(hole).toEqual({
      Track: 'Webcam',
      Why: 'segments never received',
      'Missing from': '1:00 (t+60)',
      'Missing until': '1:24 (t+84)',
      After: 'segment 9',
      'Segments never received': '4',
      Tolerance: '6 s',
    });
    const refused = facts({
      type: 'recording_gap',
      startMs: s(70),
      evidence: {
        snapshotIds: [],
        recording: null,
        details: { subject: 'webcam', seq: 11, code: 'QUOTA_EXCEEDED' },
      },
    });
    expect(refused).toEqual({
      Track: 'Webcam',
      Segment: '11',
      'Refused on upload': 'over the exam’s upload allowance',
      'Refused at': '1:10 (t+70)',
    });
  });
});

describe('evidence facts: times the server did not trust', () => {
  it('gives the clock’s offset and each item that showed it', () => {
    const { facts: list, table } = evidenceFacts(
      buildFlag({
        type: 'clock_skew',
        evidence: {
          snapshotIds: [],
          recording: null,
          details: {
            direction: 'ahead',
            offsetMs: 600_000,
            largestMs: 600_500,
            toleranceMs: 60_000,
            windowMs: 300_000,
            items: 1,
          },
          samples: [{ kind: 'event', ref: 'event 3', clientMs: s(636), receivedMs: s(36) }],
        },
      }),
      clock,
    );
    expect(list).toEqual([
      { term: 'Student’s clock', value: 'about 10 min ahead of the server’s' },
      { term: 'Items that showed it', value: '1' },
      { term: 'Tolerance', value: '1 min' },
    ]);
    expect(table?.rows).toEqual([
      {
        key: 'event 3-0',
        cells: ['event 3', '10:36 (t+636)', '0:36 (t+36)', '10 min after arrival'],
      },
    ]);
  });

  it('lists each late event with its date, arrival and why it was not used', () => {
    const { facts: list, table } = evidenceFacts(
      buildFlag({
        type: 'late_event',
        evidence: {
          snapshotIds: [],
          recording: null,
          details: { count: 5, late: 1, future: 4, outOfOrder: 0 },
          events: [
            { seq: 2, type: 'page.visible', clientMs: s(-570), receivedMs: s(30), reason: 'late' },
            { seq: 3, type: 'window.focus', clientMs: s(636), receivedMs: s(36), reason: 'future' },
          ],
        },
      }),
      clock,
    );
    expect(list[0]).toEqual({
      term: 'Events',
      value: '5: 1 dated long before they arrived, 4 dated after they arrived',
    });
    expect(table?.caption).toBe('Events kept as evidence only (2 of 5 shown)');
    expect(table?.rows[0]?.cells).toEqual([
      'Exam page visible again (event 2)',
      // Dated before the attempt began.
      '−9:30 (t+-570)',
      '0:30 (t+30)',
      '10 min before arrival',
      'dated long before it arrived',
    ]);
  });

  it('gives nothing for a detector flag, and names facts it does not know', () => {
    expect(evidenceFacts(buildFlag(), clock)).toEqual({ facts: [], table: null });
    expect(
      facts({
        type: 'snapshot_unreadable',
        evidence: {
          snapshotIds: [],
          recording: null,
          details: { subject: 'webcam', seq: 7, reason: 'not a readable image', bytesSeen: 12 },
        },
      }),
    ).toEqual({
      'Snapshot of': 'Webcam',
      Snapshot: '7',
      Why: 'not a readable image',
      'Bytes seen': '12',
    });
  });

  it('writes clock times only when the attempt’s start is unknown', () => {
    const { facts: list } = evidenceFacts(
      buildFlag({
        type: 'snapshots_missing',
        evidence: {
          snapshotIds: [],
          recording: null,
          details: { subject: 'webcam', fromServerMs: s(30), toServerMs: null, lastSeq: 1 },
        },
      }),
      { ...clock, startMs: null },
    );
    expect(list[1]).toEqual({ term: 'Last received', value: 'snapshot 1, at t+30' });
  });

  it('formats spans as people say them', () => {
    expect(formatSpan(400)).toBe('under 1 s');
    expect(formatSpan(-45_000)).toBe('45 s');
    expect(formatSpan(185_000)).toBe('3 min 5 s');
    expect(formatSpan(600_000)).toBe('10 min');
    expect(formatSpan(3_900_000)).toBe('1 h 5 min');
  });
});

describe('timeline labels of what the server found', () => {
  it('says when evidence stopped arriving and when it came back', () => {
    const absence = { subject: 'webcam', fromMs: 1, toMs: null, lastSeq: 3, thresholdMs: 18_000 };
    expect(serverEventLabel('evidence.gap', absence)).toBe(
      'Server: webcam recording stopped arriving',
    );
    expect(serverEventLabel('evidence.gap', { ...absence, subject: 'screen', toMs: 5 })).toBe(
      'Server: screen recording arriving again',
    );
    expect(serverEventLabel('evidence.snapshots_missing', absence)).toBe(
      'Server: webcam snapshots stopped arriving',
    );
    expect(serverEventLabel('evidence.detection_silent', absence)).toBe(
      'Server: the browser stopped reporting detector results',
    );
  });

  it('names holes, checks and refused uploads, and leaves other events alone', () => {
    expect(serverEventLabel('recording.gap', { track: 'screen', reason: 'late_start' })).toBe(
      'Server: gap in the screen recording (recording started after the attempt began)',
    );
    expect(serverEventLabel('recording.checked', {})).toBe('Server: recording checked for gaps');
    expect(
      serverEventLabel('upload.refused', {
        target: 'media',
        track: 'webcam',
        seq: 4,
        code: 'QUOTA_EXCEEDED',
      }),
    ).toBe('Server refused webcam segment 4 (over the exam’s upload allowance)');
    expect(
      serverEventLabel('upload.refused', {
        target: 'snapshot',
        kind: 'id_face',
        seq: 1,
        code: 'IDENTITY_LOCKED',
      }),
    ).toBe('Server refused face photo 1 (identity photos are fixed once the attempt has started)');
    expect(serverEventLabel('detect.failed', {})).toBeNull();
  });
});
