import {
  requiredTracks,
  trackSilenceMs,
  type EvidencePolicy,
  type ExamSession,
  type LiveSessionTile,
  type SessionHealth,
  type SessionState,
} from '@invigil/contracts';

/** How the grid can be ordered. */
export type TileSort = 'risk' | 'name' | 'time_left' | 'state';

/** Sort options in menu order, risk first (the default). */
export const TILE_SORTS: readonly { value: TileSort; label: string }[] = [
  { value: 'risk', label: 'Risk (highest first)' },
  { value: 'name', label: 'Name' },
  { value: 'time_left', label: 'Time left (least first)' },
  { value: 'state', label: 'State' },
];

/** Risk from which a session needs a proctor's attention. */
export const ATTENTION_RISK = 50;

/** Seconds without an upload after which a running session's health is a warning. */
export const STALE_UPLOAD_SECONDS = 30;

/** What the grid shows. */
export interface TileFilter {
  /** '' for every state. */
  state: SessionState | '';
  /** Matched against the student's name and e-mail, case-insensitively. */
  text: string;
  /** Only risk ≥ ATTENTION_RISK or with unacknowledged alerts. */
  attention: boolean;
}

/** The filter that shows everything. */
export const NO_FILTER: TileFilter = { state: '', text: '', attention: false };

/** States in the order a proctor thinks about them: active first, done last. */
const STATE_RANK: Record<SessionState, number> = {
  in_progress: 0,
  paused: 1,
  checking_in: 2,
  registered: 3,
  submitted: 4,
  terminated: 5,
  under_review: 6,
  reviewed: 7,
};

/** States in which the student is (or should be) in front of the camera. */
export const ACTIVE_STATES: readonly SessionState[] = ['checking_in', 'in_progress', 'paused'];

/**
 * Milliseconds left in the attempt: null before it has a deadline or after it ended. While
 * paused the timer stands still at the moment of pausing (the session's last update).
 */
export function timeLeftMs(session: ExamSession, now: number): number | null {
  if (!session.deadlineAt) return null;
  if (session.state !== 'in_progress' && session.state !== 'paused') return null;
  const deadline = Date.parse(session.deadlineAt);
  const at = session.state === 'paused' ? Date.parse(session.updatedAt) : now;
  return Math.max(0, deadline - at);
}

/** "1:05:09", "12:04", or "—". */
export function formatTimeLeft(ms: number | null): string {
  if (ms === null) return '—';
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Whole seconds since the last upload, or null when nothing has arrived yet. */
export function uploadAgeSeconds(health: SessionHealth, now: number): number | null {
  if (!health.lastUploadAt) return null;
  return Math.max(0, Math.floor((now - Date.parse(health.lastUploadAt)) / 1000));
}

/** A track recorded for the whole attempt, whose segments the dashboard watches. */
export type VideoTrack = 'webcam' | 'screen';

/** What the dashboard expects of an exam's video: the tracks it requires, and how fresh. */
export interface VideoWatch {
  /** The tracks the exam requires (webcam when the webcam or the microphone is on, screen). */
  tracks: readonly VideoTrack[];
  /** How long a running attempt may go without a new segment of one of them (s). */
  staleSeconds: number;
}

/**
 * What the dashboard expects of an exam's video: every required track, each going no longer
 * than the server's own threshold (three segments' length) without a new segment; null when
 * the exam records neither webcam nor screen.
 */
export function videoWatch(
  policy: Pick<EvidencePolicy, 'webcam' | 'microphone' | 'screen' | 'segmentSeconds'>,
): VideoWatch | null {
  const tracks = requiredTracks(policy).filter(
    (t): t is VideoTrack => t === 'webcam' || t === 'screen',
  );
  return tracks.length === 0 ? null : { tracks, staleSeconds: trackSilenceMs(policy) / 1000 };
}

/** The required track that has gone longest without a new segment, and for how long. */
export interface VideoAge {
  track: VideoTrack;
  /** Whole seconds since its newest segment arrived; null: none yet. */
  seconds: number | null;
}

/**
 * The worst of the required tracks (`tracks`): one that never sent a segment, else the one
 * whose newest segment is oldest. Each track is judged on its own, so a dead screen track
 * never hides behind a live webcam. Null without tracks.
 */
export function videoAge(
  health: SessionHealth,
  now: number,
  tracks: readonly VideoTrack[],
): VideoAge | null {
  let worst: VideoAge | null = null;
  for (const track of tracks) {
    const at = health.videoAt[track];
    const seconds = at ? Math.max(0, Math.floor((now - Date.parse(at)) / 1000)) : null;
    if (
      worst === null ||
      (worst.seconds !== null && (seconds === null || seconds > worst.seconds))
    ) {
      worst = { track, seconds };
    }
  }
  return worst;
}

/**
 * Whole seconds since a segment of the worst required track arrived (see `videoAge`), or
 * null when one of them has sent none yet.
 */
export function videoAgeSeconds(
  health: SessionHealth,
  now: number,
  tracks: readonly VideoTrack[],
): number | null {
  return videoAge(health, now, tracks)?.seconds ?? null;
}

/**
 * How long a running attempt of this exam may go without a new segment of a required track
 * before it looks unhealthy: the server's own threshold (three segments' length), or null
 * when the exam records neither webcam nor screen.
 */
export function videoStaleSeconds(
  policy: Pick<EvidencePolicy, 'webcam' | 'microphone' | 'screen' | 'segmentSeconds'>,
): number | null {
  return videoWatch(policy)?.staleSeconds ?? null;
}

/** How a session's connection looks: fine, worrying, or not expected to be live. */
export type HealthLevel = 'ok' | 'warn' | 'idle';

/**
 * A running session is healthy while connected, uploading within STALE_UPLOAD_SECONDS and,
 * when the exam records video (`video` not null), receiving segments of every required track
 * within its `staleSeconds`: a page that sends only events, or only one of two tracks, is not
 * recording. Sessions that are not running are not expected to upload.
 */
export function healthLevel(
  tile: LiveSessionTile,
  now: number,
  video: VideoWatch | null = null,
): HealthLevel {
  if (!ACTIVE_STATES.includes(tile.session.state)) return 'idle';
  // Check-in pages hold no live connection: being unconnected then is no warning.
  if (tile.session.state === 'checking_in') return 'ok';
  if (!tile.health.connected) return 'warn';
  const age = uploadAgeSeconds(tile.health, now);
  if (age === null || age > STALE_UPLOAD_SECONDS) return 'warn';
  if (video === null) return 'ok';
  const seconds = videoAgeSeconds(tile.health, now, video.tracks);
  return seconds === null || seconds > video.staleSeconds ? 'warn' : 'ok';
}

/**
 * What a tile says the student is doing: the session's state, except that a running or
 * paused attempt the server judged gone (its `connection_lost` flag open: `health.presence`)
 * is `offline`. The browser never times this itself: the server's threshold and clock decide,
 * so the tile and the alert always agree. Before the exam room (registered, checking in) the
 * page holds no live connection, so those states are never offline.
 */
export type TilePresence = SessionState | 'offline';

/** Words for each presence, as the tile shows them. */
export const PRESENCE_LABEL: Record<TilePresence, string> = {
  registered: 'Registered',
  checking_in: 'Checking in',
  in_progress: 'In progress',
  paused: 'Paused',
  offline: 'Offline',
  submitted: 'Submitted',
  terminated: 'Terminated',
  under_review: 'Under review',
  reviewed: 'Reviewed',
};

/** The tile's presence (see TilePresence). */
export function tilePresence(tile: Pick<LiveSessionTile, 'session' | 'health'>): TilePresence {
  const { state } = tile.session;
  if (state !== 'in_progress' && state !== 'paused') return state;
  return tile.health.presence === 'offline' ? 'offline' : state;
}

/** "upload 12 s ago", "upload 3 min ago", "upload 1 h ago", "no upload yet". */
export function uploadLabel(seconds: number | null): string {
  return seconds === null ? 'no upload yet' : `upload ${formatAge(seconds)}`;
}

/**
 * What the tile says of video: "video 4 s ago" while segments arrive on time, "no video for
 * 45 s" past `staleSeconds`, "no video yet" before the first. A session that is not running
 * (`running` false: submitted, ended) is not expected to send any: "last video 4 min ago".
 * `track`: the track it is about, named when the exam requires more than one ("no screen
 * video for 45 s").
 */
export function videoLabel(
  seconds: number | null,
  staleSeconds: number,
  running = true,
  track?: VideoTrack,
): string {
  const video = track ? `${track} video` : 'video';
  if (!running) return seconds === null ? `no ${video}` : `last ${video} ${formatAge(seconds)}`;
  if (seconds === null) return `no ${video} yet`;
  if (seconds <= staleSeconds) return `${video} ${formatAge(seconds)}`;
  return `no ${video} for ${formatSpan(seconds)}`;
}

/**
 * The tile's words for an exam's video (`video` from `videoWatch`): about the worst required
 * track (`videoAge`), naming it when the exam requires more than one.
 */
export function videoHealthLabel(
  health: SessionHealth,
  now: number,
  video: VideoWatch,
  running = true,
): string {
  const worst = videoAge(health, now, video.tracks);
  const track = video.tracks.length > 1 ? worst?.track : undefined;
  return videoLabel(worst?.seconds ?? null, video.staleSeconds, running, track);
}

/** "45 s", "3 min", "1 h". */
function formatSpan(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** "12 s ago", "3 min ago", "1 h ago" ("no upload yet" without a time). */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return 'no upload yet';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/** True when a session needs a look: high risk or alerts nobody acknowledged. */
export function needsAttention(tile: LiveSessionTile, unacknowledged: number): boolean {
  return tile.risk >= ATTENTION_RISK || unacknowledged > 0;
}

const byName = (a: LiveSessionTile, b: LiveSessionTile) =>
  a.student.name.localeCompare(b.student.name) || a.session.id.localeCompare(b.session.id);

const isActive = (tile: LiveSessionTile) => ACTIVE_STATES.includes(tile.session.state);

/** Time left for sorting: sessions without a running timer go last. */
const sortableTimeLeft = (tile: LiveSessionTile, now: number) =>
  timeLeftMs(tile.session, now) ?? Number.POSITIVE_INFINITY;

/**
 * The tiles in the chosen order; ties fall back to the name so the order is stable. By risk,
 * running attempts come before those that ended.
 */
export function sortTiles(
  tiles: readonly LiveSessionTile[],
  sort: TileSort,
  now: number,
): LiveSessionTile[] {
  const list = [...tiles];
  switch (sort) {
    case 'risk':
      // Running attempts first: a finished one cannot be helped any more.
      return list.sort(
        (a, b) =>
          Number(isActive(b)) - Number(isActive(a)) ||
          b.risk - a.risk ||
          b.openFlags - a.openFlags ||
          byName(a, b),
      );
    case 'name':
      return list.sort(byName);
    case 'time_left':
      return list.sort(
        (a, b) => sortableTimeLeft(a, now) - sortableTimeLeft(b, now) || byName(a, b),
      );
    case 'state':
      return list.sort(
        (a, b) => STATE_RANK[a.session.state] - STATE_RANK[b.session.state] || byName(a, b),
      );
  }
}

/** The tiles the filter lets through. */
export function filterTiles(
  tiles: readonly LiveSessionTile[],
  filter: TileFilter,
  unacknowledged: ReadonlyMap<string, number>,
): LiveSessionTile[] {
  const text = filter.text.trim().toLocaleLowerCase();
  return tiles.filter(
    (tile) =>
      (!filter.state || tile.session.state === filter.state) &&
      (!text ||
        tile.student.name.toLocaleLowerCase().includes(text) ||
        tile.student.email.toLocaleLowerCase().includes(text)) &&
      (!filter.attention || needsAttention(tile, unacknowledged.get(tile.session.id) ?? 0)),
  );
}

/** How bad a risk score looks, for colour and weight. */
export function riskLevel(risk: number): 'low' | 'medium' | 'high' {
  if (risk >= 70) return 'high';
  if (risk >= ATTENTION_RISK) return 'medium';
  return 'low';
}
