import type {
  ClockSampleEvidence,
  Flag,
  RecordingGapReason,
  UntrustedEventEvidence,
  UntrustedReason,
} from '@invigil/contracts';
import { formatClock } from '../player/timeline';
import { eventLabel } from './detail-model';
import { GAP_REASON_TEXT, REFUSAL_CODE_TEXT, subjectLabel } from './evidence-text';

/** One fact behind a flag, as the evidence panel lists it. */
export interface EvidenceFact {
  term: string;
  value: string;
}

/** Items behind a flag (late events, clock samples) as a small table. */
export interface EvidenceTable {
  caption: string;
  columns: string[];
  rows: { key: string; cells: string[] }[];
}

/** What the evidence panel shows of a flag besides its snapshots. */
export interface EvidenceFacts {
  facts: EvidenceFact[];
  table: EvidenceTable | null;
}

/** How times are written: from the attempt's start (as the timeline does) and the clock time. */
export interface EvidenceClock {
  /** The attempt's start (epoch ms); null writes the clock time only. */
  startMs: number | null;
  /** The time of day of an epoch ms ("08:16:17 PM"); the reader's locale by default. */
  timeOfDay?: (ms: number) => string;
}

const UNTRUSTED_TEXT: Record<UntrustedReason, string> = {
  late: 'dated long before it arrived',
  future: 'dated after it arrived',
  out_of_order: 'older than an event already accepted',
};

/** "under 1 s", "45 s", "3 min 5 s", "12 min", "1 h 5 min". */
export function formatSpan(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 1) return 'under 1 s';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** How far a client time is from its arrival: "10 min after arrival", "2 s before arrival". */
function leadText(clientMs: number, receivedMs: number): string {
  const lead = clientMs - receivedMs;
  if (Math.abs(lead) < 1000) return 'on time';
  return `${formatSpan(lead)} ${lead > 0 ? 'after' : 'before'} arrival`;
}

const defaultTimeOfDay = (ms: number) =>
  new Date(ms).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** A detail by name, if it is a number / a string. */
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** "fromServerMs" → "From server ms": names of facts this panel does not know yet. */
const humanise = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
};

/** What an absence's sequence number counts, per flag type. */
const ITEM_NOUN: Partial<Record<Flag['type'], string>> = {
  recording_gap: 'segment',
  snapshots_missing: 'snapshot',
  detection_silent: 'detector report, event',
};

/**
 * The facts behind a flag the server raised about the evidence itself, readable at a glance:
 * for missing evidence the track, the last item received, when it went missing and when it came
 * back, and after how long it counts; for a hole found in a finished recording why it is
 * there; for a refused upload what and why; for a clock mismatch the estimated offset with the
 * items that showed it; for late events each event's own date against its arrival. Facts the
 * panel does not know are listed under their own names, so nothing the server kept is hidden.
 * Detector flags (no details, events or samples) give nothing.
 */
export function evidenceFacts(
  flag: Pick<Flag, 'type' | 'startMs' | 'endMs' | 'evidence'>,
  clock: EvidenceClock,
): EvidenceFacts {
  const timeOfDay = clock.timeOfDay ?? defaultTimeOfDay;
  const when = (ms: number) => {
    if (clock.startMs === null) return timeOfDay(ms);
    // Before the attempt began (a back-dated event): a minus sign, not a misleading 0:00.
    const offset = ms - clock.startMs;
    const at = offset < 0 ? `−${formatClock(-offset)}` : formatClock(offset);
    return `${at} (${timeOfDay(ms)})`;
  };
  const details = { ...(flag.evidence.details ?? {}) };
  const facts: EvidenceFact[] = [];
  const add = (term: string, value: string) => facts.push({ term, value });
  const take = (key: string) => {
    const value = details[key];
    delete details[key];
    return value;
  };

  const subject = take('subject');
  if (subject !== undefined) {
    add(flag.type === 'snapshot_unreadable' ? 'Snapshot of' : 'Track', subjectLabel(subject));
  }

  const fromServerMs = num(take('fromServerMs'));
  const toServerMs = take('toServerMs');
  const lastSeq = take('lastSeq');
  const resumedSeq = take('resumedSeq');
  const thresholdMs = num(take('thresholdMs'));
  if (fromServerMs !== null) {
    // Missing evidence, on the server's clock: since the last item received until the next.
    const noun = ITEM_NOUN[flag.type] ?? 'item';
    add(
      'Last received',
      typeof lastSeq === 'number' ? `${noun} ${lastSeq}, at ${when(fromServerMs)}` : 'nothing',
    );
    if (typeof lastSeq !== 'number') add('Missing from', when(fromServerMs));
    add(
      'Missing until',
      typeof toServerMs === 'number'
        ? `${when(toServerMs)}${typeof resumedSeq === 'number' ? `, when ${noun} ${resumedSeq} arrived` : ''}`
        : 'still missing',
    );
    if (thresholdMs !== null) add('Counts as missing after', formatSpan(thresholdMs));
  }

  const reason = str(take('reason'));
  if (reason !== null) {
    add('Why', GAP_REASON_TEXT[reason as RecordingGapReason] ?? reason);
  }
  const afterSeq = take('afterSeq');
  const missingSeqs = num(take('missingSeqs'));
  if (reason !== null && flag.type === 'recording_gap') {
    add('Missing from', when(flag.startMs));
    if (flag.endMs !== null) add('Missing until', when(flag.endMs));
    add('After', typeof afterSeq === 'number' ? `segment ${afterSeq}` : 'the start');
    if (missingSeqs) add('Segments never received', String(missingSeqs));
  }
  const toleranceMs = num(take('toleranceMs'));

  const seq = take('seq');
  const code = str(take('code'));
  if (typeof seq === 'number')
    add(flag.type === 'recording_gap' ? 'Segment' : 'Snapshot', `${seq}`);
  if (code !== null) {
    add('Refused on upload', REFUSAL_CODE_TEXT[code] ?? code);
    add('Refused at', when(flag.startMs));
  }

  let table: EvidenceTable | null = null;
  if (flag.type === 'clock_skew') {
    const direction = str(take('direction'));
    const offsetMs = num(take('offsetMs'));
    const largestMs = num(take('largestMs'));
    take('windowMs'); // how the server judged, not what it found
    const items = num(take('items'));
    const side = direction === 'behind' ? 'behind' : 'ahead of';
    if (offsetMs !== null)
      add('Student’s clock', `about ${formatSpan(offsetMs)} ${side} the server’s`);
    if (largestMs !== null && offsetMs !== null && Math.abs(largestMs - offsetMs) >= 1000) {
      add('Largest difference', formatSpan(largestMs));
    }
    if (items !== null) add('Items that showed it', String(items));
    table = samplesTable(flag.evidence.samples ?? [], when);
  }

  if (flag.type === 'late_event') {
    const count = num(take('count'));
    const parts = [
      [num(take('late')), 'dated long before they arrived'],
      [num(take('future')), 'dated after they arrived'],
      [num(take('outOfOrder')), 'older than events already accepted'],
    ] as const;
    const said = parts.filter(([n]) => n).map(([n, text]) => `${n} ${text}`);
    if (count !== null) add('Events', `${count}${said.length > 0 ? `: ${said.join(', ')}` : ''}`);
    table = eventsTable(flag.evidence.events ?? [], count, when);
  }

  if (toleranceMs !== null) add('Tolerance', formatSpan(toleranceMs));
  for (const [key, value] of Object.entries(details)) {
    add(humanise(key), value === null ? '—' : String(value));
  }
  if (!table && flag.evidence.events?.length) {
    table = eventsTable(flag.evidence.events, null, when);
  }
  if (!table && flag.evidence.samples?.length) {
    table = samplesTable(flag.evidence.samples, when);
  }
  return { facts, table };
}

function samplesTable(
  samples: readonly ClockSampleEvidence[],
  when: (ms: number) => string,
): EvidenceTable | null {
  if (samples.length === 0) return null;
  return {
    caption: 'Items whose time gave the clock away',
    columns: ['Item', 'Dated by the student’s clock', 'Received by the server', 'Difference'],
    rows: samples.map((s, i) => ({
      key: `${s.ref}-${i}`,
      cells: [s.ref, when(s.clientMs), when(s.receivedMs), leadText(s.clientMs, s.receivedMs)],
    })),
  };
}

function eventsTable(
  events: readonly UntrustedEventEvidence[],
  count: number | null,
  when: (ms: number) => string,
): EvidenceTable | null {
  if (events.length === 0) return null;
  const some = count !== null && count > events.length;
  return {
    caption: some
      ? `Events kept as evidence only (${events.length} of ${count} shown)`
      : 'Events kept as evidence only',
    columns: ['Event', 'Dated', 'Arrived', 'Difference', 'Why not used'],
    rows: events.map((e) => ({
      key: `${e.seq}`,
      cells: [
        `${eventLabel(e.type)} (event ${e.seq})`,
        when(e.clientMs),
        when(e.receivedMs),
        leadText(e.clientMs, e.receivedMs),
        UNTRUSTED_TEXT[e.reason],
      ],
    })),
  };
}
