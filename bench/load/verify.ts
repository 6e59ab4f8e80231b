import type { LeanHttp } from './http.js';
import type { Student } from './students.js';

/** What the end-of-run check found, over all sessions. */
export interface Verification {
  sessionsChecked: number;
  /** Acknowledged, then absent from the manifest (or the event timeline). */
  lost: { segments: number; snapshots: number; events: number };
  /** Listed twice under one (track|kind, seq), or stored under a different hash than acknowledged. */
  duplicated: { segments: number; snapshots: number; events: number };
  acknowledged: { segments: number; snapshots: number; events: number };
  /** Sessions whose manifest or events could not be read. */
  unreadable: number;
  /** A few examples, for the report. */
  examples: string[];
}

interface Listed {
  seq: number;
  sha256: string;
  track?: string;
  kind?: string;
}

function compare(
  acked: Map<string, string>,
  listed: Listed[],
  keyOf: (l: Listed) => string,
  onLost: (key: string) => void,
  onDuplicate: (key: string, why: string) => void,
): void {
  const seen = new Map<string, string>();
  for (const l of listed) {
    const key = keyOf(l);
    if (seen.has(key)) onDuplicate(key, 'listed twice');
    seen.set(key, l.sha256);
  }
  for (const [key, sha] of acked) {
    const stored = seen.get(key);
    if (stored === undefined) onLost(key);
    else if (stored !== sha)
      onDuplicate(key, `stored as ${stored.slice(0, 12)}…, acknowledged ${sha.slice(0, 12)}…`);
  }
}

/**
 * Read every session's recording manifest and event timeline (as the student, so nothing is
 * audited) and compare with what the server acknowledged during the run.
 */
export async function verifySessions(
  http: LeanHttp,
  students: readonly Student[],
  concurrency = 8,
): Promise<Verification> {
  const v: Verification = {
    sessionsChecked: 0,
    lost: { segments: 0, snapshots: 0, events: 0 },
    duplicated: { segments: 0, snapshots: 0, events: 0 },
    acknowledged: { segments: 0, snapshots: 0, events: 0 },
    unreadable: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (v.examples.length < 10) v.examples.push(text);
  };
  let next = 0;
  const worker = async () => {
    while (next < students.length) {
      const s = students[next++]!;
      v.acknowledged.segments += s.acked.segments.size;
      v.acknowledged.snapshots += s.acked.snapshots.size;
      v.acknowledged.events += s.acked.events.size;
      try {
        const base = `/api/sessions/${s.sessionId}`;
        const [manifest, events] = await Promise.all([
          http.json<{ segments: Listed[]; snapshots: Listed[] }>(
            'GET',
            `${base}/recording`,
            s.headers,
          ),
          http.json<{ source: string; seq: number }[]>('GET', `${base}/events`, s.headers),
        ]);
        const lost = (what: 'segments' | 'snapshots' | 'events') => (key: string) => {
          v.lost[what]++;
          example(`session ${s.sessionId}: ${what} ${key} acknowledged but absent`);
        };
        const dup = (what: 'segments' | 'snapshots' | 'events') => (key: string, why: string) => {
          v.duplicated[what]++;
          example(`session ${s.sessionId}: ${what} ${key} ${why}`);
        };
        compare(
          s.acked.segments,
          manifest.body.segments,
          (l) => `${l.track}|${l.seq}`,
          lost('segments'),
          dup('segments'),
        );
        compare(
          s.acked.snapshots,
          manifest.body.snapshots,
          (l) => `${l.kind}|${l.seq}`,
          lost('snapshots'),
          dup('snapshots'),
        );
        const clientEvents = events.body.filter((e) => e.source === 'client');
        const ackedEvents = new Map([...s.acked.events].map((seq) => [String(seq), 'event']));
        compare(
          ackedEvents,
          clientEvents.map((e) => ({ seq: e.seq, sha256: 'event' })),
          (l) => String(l.seq),
          lost('events'),
          dup('events'),
        );
        v.sessionsChecked++;
      } catch (err) {
        v.unreadable++;
        example(`session ${s.sessionId}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return v;
}
