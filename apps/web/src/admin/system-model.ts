import type { QueueSeries, SystemOverview } from '@invigil/contracts';
import { formatBytes, formatCount, formatNumber, formatSeconds } from './system-format';

/** The ranges offered, as the server accepts them. */
export const RANGES = [
  { minutes: 15, label: '15 min', phrase: 'the last 15 minutes' },
  { minutes: 60, label: '1 h', phrase: 'the last hour' },
  { minutes: 360, label: '6 h', phrase: 'the last 6 hours' },
  { minutes: 1440, label: '24 h', phrase: 'the last 24 hours' },
] as const;

/** How often the page asks for new data: the interval at which the server samples. */
export const REFRESH_MS = 15_000;

/** One line of a chart. */
export interface ChartLine {
  label: string;
  color: string;
  values: (number | null)[];
}

/** One small chart: what it shows, in what unit, and its lines. */
export interface ChartSpec {
  id: string;
  title: string;
  /** What the numbers are, shown under the title (the unit is in it). */
  unit: string;
  format: (value: number) => string;
  lines: ChartLine[];
  /** Shown instead of the chart when no line has a value in the range. */
  empty: string;
  /** Draw values as dots: most buckets have none (alerts come now and then). */
  sparse?: boolean;
  /** Top of the y axis (the disk's size); else a little above the highest value. */
  yMax?: number | null;
}

/** Colours on white with enough contrast, told apart without relying on hue alone (widths). */
const BLUE = '#264f78';
const RED = '#b3261e';
const AMBER = '#9a6700';
/** Distinct lines for the job queues (Okabe–Ito, darkened for contrast on white). */
const QUEUE_COLORS = ['#0b6aa2', '#c25000', '#00806a', '#a64d86', '#8a6d00', '#3c3c3c'];

const JOB_LABELS: Record<string, string> = {
  'analysis.snapshot': 'Snapshot analysis',
  'identity.enrolment': 'Identity enrolment',
  'recording.check': 'Recording check',
  'notification.delivery': 'Notification delivery',
  'privacy.export': 'Data export',
  'lti.grade': 'LMS grade',
};

/** A job type in words (unknown types as they are). */
export const jobLabel = (type: string) => JOB_LABELS[type] ?? type;

/** A queue in words: job queue types by name, a queue table (analysis_jobs) with its name. */
export function queueLabel(q: Pick<QueueSeries, 'source' | 'type'>): string {
  if (q.source === 'queue') return jobLabel(q.type);
  return `${jobLabel(q.type)} (${q.type === 'analysis.snapshot' ? 'analysis_jobs' : 'table'})`;
}

const hasValue = (values: readonly (number | null)[]) => values.some((v) => v !== null);
const hasNonZero = (values: readonly (number | null)[]) => values.some((v) => v !== null && v > 0);

/** Per bucket, the highest value of several series (null where none has one). */
function highest(series: readonly (readonly (number | null)[])[], length: number) {
  return Array.from({ length }, (_, i) => {
    let out: number | null = null;
    for (const s of series) {
      const v = s[i];
      if (v !== null && v !== undefined) out = out === null ? v : Math.max(out, v);
    }
    return out;
  });
}

/**
 * Queue lines worth drawing: every queue that held a job in the range; when none did, one
 * "All queues" line (zero wherever sampled), so the chart says "empty" rather than nothing.
 */
function queueLines(
  queues: readonly QueueSeries[],
  pick: (q: QueueSeries) => (number | null)[],
  length: number,
): ChartLine[] {
  const busy = queues.filter((q) => hasNonZero(pick(q)));
  if (busy.length === 0) {
    return [
      { label: 'All queues', color: QUEUE_COLORS[0]!, values: highest(queues.map(pick), length) },
    ];
  }
  return busy.map((q) => ({
    label: queueLabel(q),
    color: QUEUE_COLORS[queues.indexOf(q) % QUEUE_COLORS.length]!,
    values: pick(q),
  }));
}

const perSecond = (format: (v: number) => string) => (v: number) => `${format(v)}/s`;

/** The charts of the System page, in the order shown. */
export function chartsOf(o: SystemOverview): ChartSpec[] {
  const s = o.series;
  const n = o.times.length;
  const diskSize = lineStats(s.blobSizeBytes)?.max ?? null;
  return [
    {
      id: 'sessions',
      title: 'Active sessions',
      unit: 'Exam attempts in progress',
      format: formatCount,
      lines: [{ label: 'In progress', color: BLUE, values: s.activeSessions }],
      empty: 'Not sampled yet.',
    },
    {
      id: 'ingest-bytes',
      title: 'Ingest volume',
      unit: 'Bytes stored per second (segments, snapshots, events)',
      format: perSecond(formatBytes),
      lines: [{ label: 'Stored', color: BLUE, values: s.ingestBytesPerSecond }],
      empty: 'Not sampled yet.',
    },
    {
      id: 'ingest-items',
      title: 'Ingest items',
      unit: 'Segments, snapshots and events stored per second',
      format: perSecond(formatNumber),
      lines: [{ label: 'Items', color: BLUE, values: s.ingestItemsPerSecond }],
      empty: 'Not sampled yet.',
    },
    {
      id: 'alert-latency',
      title: 'Alert latency',
      unit: 'From a flag to the proctor’s screen, per interval',
      format: formatSeconds,
      lines: [
        { label: '95th percentile', color: RED, values: s.alertLatencyP95Seconds },
        { label: 'Median', color: BLUE, values: s.alertLatencyP50Seconds },
      ],
      empty: 'No alert reached a proctor in this range.',
      sparse: true,
    },
    {
      id: 'http-errors',
      title: 'HTTP errors',
      unit: 'Error responses per second',
      format: perSecond(formatNumber),
      lines: [
        { label: '5xx (server)', color: RED, values: s.http5xxPerSecond },
        { label: '4xx (client)', color: AMBER, values: s.http4xxPerSecond },
      ],
      empty: 'Not sampled yet.',
    },
    {
      id: 'blob-free',
      title: 'Blob store free space',
      unit: `Free bytes on the disk holding recordings${diskSize ? ` (of ${formatBytes(diskSize)})` : ''}`,
      format: formatBytes,
      lines: [{ label: 'Free', color: BLUE, values: s.blobFreeBytes }],
      empty: 'Not measured: recordings are not kept on this server’s local disk.',
      // Up to the disk's size, so the picture shows how full it is.
      yMax: diskSize,
    },
    {
      id: 'queue-depth',
      title: 'Job queue depth',
      unit: 'Jobs waiting to run, per queue',
      format: formatCount,
      lines: queueLines(o.queues, (q) => q.depth, n),
      empty: 'Not sampled yet.',
    },
    {
      id: 'queue-age',
      title: 'Oldest waiting job',
      unit: 'How long the oldest due job has waited, per queue',
      format: formatSeconds,
      lines: queueLines(o.queues, (q) => q.oldestWaitingSeconds, n),
      empty: 'Not sampled yet.',
    },
  ];
}

/** Whether a chart has anything to draw. */
export const chartHasData = (chart: ChartSpec) => chart.lines.some((l) => hasValue(l.values));

/** Latest, lowest and highest value of a line over the range (null: no value). */
export function lineStats(values: readonly (number | null)[]) {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  return {
    latest: present[present.length - 1]!,
    min: Math.min(...present),
    max: Math.max(...present),
  };
}

/** The text summary of a chart, read instead of the picture: per line, latest, lowest, highest. */
export function chartSummary(chart: ChartSpec, rangePhrase: string): string {
  if (!chartHasData(chart)) return chart.empty;
  const parts = chart.lines.map((line) => {
    const stats = lineStats(line.values);
    const name = chart.lines.length > 1 ? `${line.label}: ` : '';
    if (!stats) return `${name}no value`;
    const f = chart.format;
    return `${name}latest ${f(stats.latest)}, lowest ${f(stats.min)}, highest ${f(stats.max)}`;
  });
  return `${parts.join('; ')} over ${rangePhrase}.`;
}
