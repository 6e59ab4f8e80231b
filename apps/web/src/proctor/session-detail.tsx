import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import type {
  ExamSession,
  Flag,
  Intervention,
  LiveSessionTile,
  RiskScore,
  SessionHealth,
} from '@invigil/contracts';
import { useUser } from '../auth/session';
import { recordingApi } from '../capture/api';
import { SessionStateBadge } from '../exams/badges';
import { RecordingPlayer, type RecordingPlayerHandle } from '../player';
import { Page, Section } from '../ui/page';
import { ErrorState, Loading } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { useSecondClock } from './clock';
import { timelineLinks, type SessionDetailState } from './detail-model';
import {
  ACTIVE_STATES,
  uploadLabel,
  formatTimeLeft,
  healthLevel,
  riskLevel,
  tilePresence,
  timeLeftMs,
  uploadAgeSeconds,
  videoHealthLabel,
  type VideoWatch,
} from './grid-model';
import { InterventionsPanel } from './interventions-panel';
import { ConnectionBanner } from './live-dashboard';
import { SessionChat } from './session-chat';
import { FlagEvidence, IdentityCompare } from './session-evidence';
import { SessionNotes } from './session-notes';
import { SessionTimeline } from './session-timeline';
import { StaffTools } from './staff-tools';
import { useSessionDetail } from './use-session-detail';
import { upsertHand } from './live-model';
import { LinkBadge } from '../rtc/link-badge';
import { LiveViewButton } from '../rtc/live-view';
import { isWatchable } from '../rtc/rtc-config';
import './live.css';
import './session-detail.css';

/** Start playing this long before a flag, to see what led to it. */
const LEAD_IN_MS = 3000;

/**
 * The connection in a word: "Offline" only for a running or paused attempt the server judged
 * gone (see `tilePresence`), like its tile; the live socket only adds "Reconnecting" hints.
 * Check-in pages hold no live connection and are never offline.
 */
function connectionWord(session: ExamSession, health: SessionHealth): string {
  if (tilePresence({ session, health }) === 'offline') return 'Offline';
  if (health.connected) return 'Connected';
  if (session.state === 'checking_in') return 'Checking in';
  return ACTIVE_STATES.includes(session.state) ? 'Reconnecting' : 'Not connected';
}

/** State, time left, risk (with why) and connection, updating each second. */
function StatusFacts({
  state,
  tile,
  risk,
  video,
}: {
  state: SessionDetailState;
  tile: LiveSessionTile | null;
  risk: RiskScore | null;
  /** See `videoWatch`: null when the exam records no video (or is unknown). */
  video: VideoWatch | null;
}) {
  const now = useSecondClock();
  const left = timeLeftMs(state.session, now);
  const health = state.health ?? tile?.health ?? null;
  const level =
    tile && health ? healthLevel({ ...tile, session: state.session, health }, now, video) : null;
  const score = risk?.score ?? tile?.risk ?? 0;
  return (
    <>
      <dl className="facts detail-facts">
        <div>
          <dt>State</dt>
          <dd>
            <SessionStateBadge state={state.session.state} />
          </dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>
            {formatTimeLeft(left)}
            {state.session.state === 'paused' && left !== null ? ' (paused)' : ''}
          </dd>
        </div>
        <div>
          <dt>Risk</dt>
          <dd className={`detail-risk pd-risk-${riskLevel(score)}`}>
            <span className="tile-risk-value">{score}</span> / 100
          </dd>
        </div>
        <div>
          <dt>Connection</dt>
          <dd className={`tile-health pd-health-${level ?? 'idle'}`}>
            <span className="pd-health-dot" aria-hidden="true" />
            {health
              ? `${connectionWord(state.session, health)} · ${
                  video === null
                    ? uploadLabel(uploadAgeSeconds(health, now))
                    : videoHealthLabel(
                        health,
                        now,
                        video,
                        ACTIVE_STATES.includes(state.session.state),
                      )
                }`
              : 'Unknown'}
          </dd>
        </div>
      </dl>
      {risk && risk.explanation.length > 0 ? (
        <details className="pd-risk-explanation">
          <summary>Why this risk score</summary>
          <ul>
            {risk.explanation.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

/** Who a live view or call from this page is with. */
function liveTarget(session: ExamSession, name: string | null) {
  return { sessionId: session.id, examId: session.examId, studentName: name ?? 'the student' };
}

function Detail({ sessionId }: { sessionId: string }) {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const detail = useSessionDetail(sessionId);
  const { state, tile, patch } = detail;
  const loadManifest = useCallback(
    (signal: AbortSignal) => recordingApi.manifest(sessionId, {}, signal),
    [sessionId],
  );
  const manifest = useResource(loadManifest);
  // New identity photos sent on a proctor's request: show them once the student is done.
  const reEnrolled =
    state?.interventions.filter((i) => i.kind === 're_enrol' && i.completedAt).length ?? 0;
  const reloadManifest = manifest.reload;
  useEffect(() => {
    if (reEnrolled > 0) reloadManifest();
  }, [reEnrolled, reloadManifest]);

  const selectedId = params.get('flag');
  const selected = useMemo(
    () => state?.flags.find((f) => f.id === selectedId) ?? null,
    [state?.flags, selectedId],
  );

  // The player exists only once its recording has loaded: a seek asked for earlier waits.
  const player = useRef<RecordingPlayerHandle | null>(null);
  const pendingSeek = useRef<number | null>(null);
  const seekedFor = useRef<string | null>(null);
  const playerRef = useCallback((handle: RecordingPlayerHandle | null) => {
    player.current = handle;
    if (handle && pendingSeek.current !== null) {
      handle.seekToEpoch(pendingSeek.current);
      pendingSeek.current = null;
    }
  }, []);
  const seekToFlag = useCallback((flag: Flag) => {
    const at = flag.startMs - LEAD_IN_MS;
    if (player.current) player.current.seekToEpoch(at);
    else pendingSeek.current = at;
  }, []);
  // A link from the alert feed (?flag=…) seeks once the flag is known.
  useEffect(() => {
    if (selected && seekedFor.current !== selected.id) {
      seekedFor.current = selected.id;
      seekToFlag(selected);
    }
  }, [selected, seekToFlag]);

  const onSelect = useCallback(
    (flag: Flag) => {
      seekedFor.current = flag.id;
      seekToFlag(flag);
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set('flag', flag.id);
          return next;
        },
        { replace: true },
      );
    },
    [seekToFlag, setParams],
  );

  const onSent = useCallback(
    (intervention: Intervention) =>
      patch((s) => ({
        ...s,
        // A withdrawn request comes back changed: replace it.
        interventions: s.interventions.some((i) => i.id === intervention.id)
          ? s.interventions.map((i) => (i.id === intervention.id ? intervention : i))
          : [...s.interventions, intervention],
      })),
    [patch],
  );

  const name = tile?.student.name ?? null;
  const [chat, hands, rtcLinks, rtcHistory] = [
    state?.chat,
    state?.hands,
    state?.rtcLinks,
    state?.rtcHistory,
  ];
  // The timeline's chat, hands and live links (ended links: those seen ending on this page).
  const communication = useMemo(
    () => ({
      chat,
      hands,
      rtcLinks: timelineLinks({ rtcLinks: rtcLinks ?? [], rtcHistory }),
      studentName: name ?? undefined,
    }),
    [chat, hands, rtcLinks, rtcHistory, name],
  );
  const title = name ? `Session of ${name}` : 'Session detail';
  const back = state
    ? `/proctor/exams/${encodeURIComponent(state.session.examId)}/live`
    : '/proctor';

  if (!state) {
    return (
      <Page title={title}>
        {detail.error ? (
          <ErrorState error={detail.error} onRetry={detail.reload} />
        ) : (
          <Loading label="Loading the session…" />
        )}
      </Page>
    );
  }

  const startMs = state.session.startedAt
    ? Date.parse(state.session.startedAt)
    : (state.flags[0]?.startMs ?? 0);
  return (
    <Page
      title={title}
      intro={
        <>
          {detail.examTitle ?? 'Exam'}
          {tile ? ` · ${tile.student.email}` : ''}
        </>
      }
      actions={<Link to={back}>Back to the live dashboard</Link>}
    >
      <ConnectionBanner status={detail.status} />
      {detail.error ? <ErrorState error={detail.error} onRetry={detail.reload} /> : null}
      <div className="detail-layout">
        <div className="detail-main">
          <Section title="Identity" id="identity">
            <IdentityCompare
              sessionId={sessionId}
              manifest={manifest.data}
              latestWebcam={tile?.latest.webcam ?? null}
            />
            {manifest.error ? (
              <ErrorState error={manifest.error} onRetry={manifest.reload} />
            ) : null}
          </Section>
          <Section title="Recording" id="recording">
            <RecordingPlayer
              ref={playerRef}
              sessionId={sessionId}
              running={ACTIVE_STATES.includes(state.session.state)}
            />
          </Section>
          <Section title="Timeline" id="timeline">
            <SessionTimeline
              sessionId={sessionId}
              flags={state.flags}
              interventions={state.interventions}
              communication={communication}
              startMs={startMs}
              selectedId={selected?.id ?? null}
              onSelect={onSelect}
            />
          </Section>
          <Section title="Evidence of the selected flag" id="evidence">
            <FlagEvidence
              sessionId={sessionId}
              flag={selected}
              manifest={manifest.data}
              startMs={state.session.startedAt ? Date.parse(state.session.startedAt) : null}
            />
          </Section>
        </div>
        <div className="detail-side">
          <Section title="Status" id="status">
            <StatusFacts state={state} tile={tile} risk={state.risk} video={detail.video} />
            <LinkBadge links={state.rtcLinks} />
            {detail.partErrors.live ? (
              <p className="muted small">The live overview of this exam could not be loaded.</p>
            ) : null}
            {(user.role === 'proctor' || user.role === 'admin') &&
            isWatchable(state.session.state) ? (
              <div className="rtc-actions detail-live-actions">
                {/* Peer to peer: see rtc/live-view.tsx. */}
                <LiveViewButton target={liveTarget(state.session, name)} />
                <LiveViewButton target={liveTarget(state.session, name)} kind="call" />
              </div>
            ) : null}
          </Section>
          <Section title="Chat" id="chat-section">
            <SessionChat
              sessionId={sessionId}
              studentName={name ?? 'the student'}
              live={state.chat}
              hands={state.hands}
              meId={user.id}
              canAct={user.role === 'proctor' || user.role === 'admin'}
              onHand={(hand) => patch((s) => ({ ...s, hands: upsertHand(s.hands, hand) }))}
            />
          </Section>
          <Section title="Interventions" id="interventions">
            <InterventionsPanel
              session={state.session}
              items={state.interventions}
              loadError={detail.partErrors.interventions}
              canAct={user.role === 'proctor' || user.role === 'admin'}
              onSent={onSent}
              onReload={detail.reload}
            />
          </Section>
          <Section title="Staff tools" id="staff-tools">
            <StaffTools
              session={state.session}
              canAct={user.role === 'proctor' || user.role === 'admin'}
              onSession={(session) => patch((s) => ({ ...s, session }))}
            />
          </Section>
          <Section title="Notes" id="notes">
            <SessionNotes sessionId={sessionId} />
          </Section>
        </div>
      </div>
    </Page>
  );
}

/** /proctor/sessions/:id — one session in detail, live; `?flag=` selects a flag and seeks to it. */
export function SessionDetailPage() {
  const { id = '' } = useParams();
  return <Detail key={id} sessionId={id} />;
}
