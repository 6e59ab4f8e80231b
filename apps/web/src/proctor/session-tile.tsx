import { memo } from 'react';
import { Link } from 'react-router-dom';
import type { ExamSession, LiveSessionTile, RtcLink } from '@invigil/contracts';
import { useUser } from '../auth/session';
import { recordingApi } from '../capture/api';
import { SessionStateBadge } from '../exams/badges';
import { useSecondClock } from './clock';
import {
  uploadLabel,
  formatTimeLeft,
  healthLevel,
  needsAttention,
  riskLevel,
  tilePresence,
  timeLeftMs,
  uploadAgeSeconds,
  videoHealthLabel,
  type VideoWatch,
} from './grid-model';
import { UnreadBadge } from './unread-badge';
import { LinkBadge } from '../rtc/link-badge';
import { LiveViewButton } from '../rtc/live-view';
import { isWatchable, mayOpenLinks } from '../rtc/rtc-config';

/** The session detail address, optionally at a flag. */
export function sessionDetailPath(sessionId: string, flagId?: string): string {
  const base = `/proctor/sessions/${encodeURIComponent(sessionId)}`;
  return flagId ? `${base}?flag=${encodeURIComponent(flagId)}` : base;
}

/**
 * A thumbnail in a fixed box: the image is lazy, and a newer seq swaps the source (the
 * browser keeps the old picture until the new one has loaded, so nothing flickers).
 */
function Thumb({
  sessionId,
  kind,
  seq,
  label,
}: {
  sessionId: string;
  kind: 'webcam' | 'screen';
  seq: number | null;
  label: string;
}) {
  return (
    <div className={`tile-thumb tile-thumb-${kind}`}>
      {seq === null ? (
        <span className="tile-thumb-empty">No {kind} image yet</span>
      ) : (
        <img
          src={recordingApi.snapshotUrl(sessionId, kind, seq)}
          alt={label}
          loading="lazy"
          decoding="async"
          width={160}
          height={kind === 'webcam' ? 120 : 90}
        />
      )}
    </div>
  );
}

/** The attempt's remaining time, ticking each second (frozen while paused). */
function TimeLeft({ session }: { session: ExamSession }) {
  const now = useSecondClock();
  const left = timeLeftMs(session, now);
  const low = left !== null && left < 5 * 60_000;
  const frozen = session.state === 'paused' && left !== null;
  return (
    <span className={frozen ? 'tile-frozen' : low ? 'text-warn' : undefined}>
      {formatTimeLeft(left)}
      {frozen ? <span className="sr-only"> (stopped while paused)</span> : null}
    </span>
  );
}

/**
 * Connection dot and the age of the newest video segment (of the last upload when the exam
 * records no video); warns when stale. Ticks with the shared clock: only this re-renders.
 */
function Health({ tile, video }: { tile: LiveSessionTile; video: VideoWatch | null }) {
  const now = useSecondClock();
  const level = healthLevel(tile, now, video);
  const presence = tilePresence(tile);
  return (
    <span className={`tile-health pd-health-${level}`} data-presence={presence}>
      <span className="pd-health-dot" aria-hidden="true" />
      {level === 'warn' ? <span className="sr-only">Warning: </span> : null}
      {presence === 'offline' ? (
        <strong>Offline · </strong>
      ) : tile.health.connected ? (
        <span className="sr-only">Connected, </span>
      ) : tile.session.state === 'checking_in' ? (
        'Checking in · '
      ) : null}
      {video === null
        ? uploadLabel(uploadAgeSeconds(tile.health, now))
        : videoHealthLabel(tile.health, now, video, level !== 'idle')}
    </span>
  );
}

/**
 * One session of the live grid. Memoised: the grid passes the same tile object until
 * something about this session changes, so a message re-renders one tile, not 150.
 */
export const SessionTile = memo(function SessionTile({
  tile,
  unacknowledged,
  video,
  links,
}: {
  tile: LiveSessionTile;
  unacknowledged: number;
  /** See `videoWatch`: null when the exam records no video. */
  video: VideoWatch | null;
  /** The session's open live views and calls (the same empty array when none). */
  links: readonly RtcLink[];
}) {
  const { session, student } = tile;
  const user = useUser();
  const headingId = `tile-${session.id}`;
  const level = riskLevel(tile.risk);
  const attention = needsAttention(tile, unacknowledged);
  return (
    <li className={`tile tile-risk-${level}${attention ? ' tile-attention' : ''}`}>
      <article aria-labelledby={headingId}>
        <div className="tile-thumbs">
          <Thumb
            sessionId={session.id}
            kind="webcam"
            seq={tile.latest.webcam?.seq ?? null}
            label={`Latest webcam image of ${student.name}`}
          />
          <Thumb
            sessionId={session.id}
            kind="screen"
            seq={tile.latest.screen?.seq ?? null}
            label={`Latest screen image of ${student.name}`}
          />
        </div>
        <div className="tile-head">
          <h3 id={headingId} className="tile-name">
            <Link to={sessionDetailPath(session.id)}>{student.name}</Link>
          </h3>
          <UnreadBadge
            to={`${sessionDetailPath(session.id)}#chat`}
            count={tile.unreadChat}
            name={student.name}
          />
          <p className={`tile-risk pd-risk-${level}`}>
            <span className="tile-risk-value">{tile.risk}</span>
            <span className="tile-risk-label">risk</span>
          </p>
        </div>
        <div className="pd-risk-bar" aria-hidden="true">
          <span className={`pd-risk-fill pd-risk-${level}`} style={{ width: `${tile.risk}%` }} />
        </div>
        <dl className="tile-facts">
          <div>
            <dt>State</dt>
            <dd>
              <SessionStateBadge state={session.state} />
            </dd>
          </div>
          <div>
            <dt>Time left</dt>
            <dd>
              <TimeLeft session={session} />
            </dd>
          </div>
          <div>
            <dt>Open flags</dt>
            <dd>
              {tile.openFlags}
              {unacknowledged > 0 ? (
                <span className="tile-unacked">
                  {unacknowledged} new<span className="sr-only"> (not acknowledged)</span>
                </span>
              ) : null}
            </dd>
          </div>
          <div className="tile-wide">
            <dt className="sr-only">Connection</dt>
            <dd>
              <Health tile={tile} video={video} />
            </dd>
          </div>
        </dl>
        <LinkBadge links={links} />
        {mayOpenLinks(user.role) && isWatchable(session.state) ? (
          <LiveViewButton
            target={{ sessionId: session.id, examId: session.examId, studentName: student.name }}
            className="button secondary small tile-live"
          />
        ) : null}
      </article>
    </li>
  );
});
