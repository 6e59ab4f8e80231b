import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { Alert, AlertState, HelpRequest } from '@invigil/contracts';
import { useUser } from '../auth/session';
import { Page } from '../ui/page';
import { ErrorState, Loading } from '../ui/states';
import { AlertFeed } from './alert-feed';
import { announce, shouldBeep, type Announcement } from './alert-model';
import { playAlertSound, useAlertMute, useUnlockAlertSoundOnGesture } from './alert-sound';
import { AnnouncePanel } from './announce-panel';
import { ExamPanel } from './exam-panel';
import { FeedChat } from './feed-chat';
import { videoWatch } from './grid-model';
import { tileList, unacknowledgedBySession, upsertHand } from './live-model';
import { SessionGrid } from './session-grid';
import { useLiveExam, type LiveExam } from './use-live-exam';
import './live.css';

/** Keep at most this many "just arrived" ids for highlighting. */
const FRESH_LIMIT = 200;
/** Alerts arriving this close together are announced together. */
const ANNOUNCE_DELAY_MS = 400;
/** At most one beep in this time (a high alert may still follow a medium one). */
const BEEP_GAP_MS = 1500;

/** What the WebSocket's state means for the proctor. */
export function ConnectionBanner({ status }: { status: LiveExam['status'] }) {
  return (
    <div role="status" aria-live="polite" className="live-connection" data-live-status={status}>
      {status === 'offline' ? (
        <p className="notice notice-error">Reconnecting… alerts will catch up.</p>
      ) : status === 'connecting' ? (
        <p className="notice">Connecting to live updates…</p>
      ) : (
        <p className="live-ok small">
          <span className="pd-health-dot" aria-hidden="true" /> Live
        </p>
      )}
    </div>
  );
}

/** Which half of the dashboard a narrow screen shows (wide screens show both). */
type LiveView = 'sessions' | 'alerts';

/**
 * On a phone or tablet the grid and the alert feed do not fit side by side: two buttons at
 * the top switch between them, the alerts one counting what waits, so the feed is one tap
 * away instead of below every tile. Hidden on wide screens (CSS), where both are shown.
 */
function ViewSwitch({
  view,
  onView,
  waiting,
}: {
  view: LiveView;
  onView: (view: LiveView) => void;
  waiting: number;
}) {
  const button = (value: LiveView, label: string, controls: string) => (
    <button
      type="button"
      className={`live-switch-button${view === value ? ' selected' : ''}`}
      aria-pressed={view === value}
      aria-controls={controls}
      onClick={() => onView(value)}
    >
      {label}
    </button>
  );
  return (
    <nav className="live-switch" aria-label="Dashboard view">
      {button('sessions', 'Sessions', 'live-sessions-view')}
      {button('alerts', `Alerts (${waiting} waiting)`, 'live-alerts-view')}
    </nav>
  );
}

function Dashboard({ examId }: { examId: string }) {
  const user = useUser();
  const [muted, setMuted] = useAlertMute();
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(() => new Set());
  useUnlockAlertSoundOnGesture();

  // A burst of alerts is one announcement and one beep, not a cacophony.
  const pending = useRef<Alert[]>([]);
  const announceTimer = useRef<number | undefined>(undefined);
  const lastBeep = useRef<{ at: number; severity: 'high' | 'medium' } | null>(null);
  useEffect(() => () => window.clearTimeout(announceTimer.current), []);

  const onArrivals = useCallback(
    (alerts: Alert[]) => {
      setFresh((previous) => {
        const next = [...previous, ...alerts.map((a) => a.flag.id)];
        return new Set(next.slice(-FRESH_LIMIT));
      });
      if (!muted && shouldBeep(alerts)) {
        const severity = alerts.some((a) => a.flag.severity === 'high') ? 'high' : 'medium';
        const now = performance.now();
        const last = lastBeep.current;
        const quiet =
          last && now - last.at < BEEP_GAP_MS && (last.severity === 'high' || severity !== 'high');
        if (!quiet) {
          playAlertSound(severity);
          lastBeep.current = { at: now, severity };
        }
      }
      pending.current.push(...alerts);
      announceTimer.current ??= window.setTimeout(() => {
        setAnnouncement(announce(pending.current));
        pending.current = [];
        announceTimer.current = undefined;
      }, ANNOUNCE_DELAY_MS);
    },
    [muted],
  );

  const live = useLiveExam(examId, onArrivals);
  const [view, setView] = useState<LiveView>('sessions');
  const { state, patch } = live;
  const tiles = useMemo(() => (state ? tileList(state) : []), [state]);
  const alerts = state?.alerts;
  const unacknowledged = useMemo(() => unacknowledgedBySession(alerts ?? []), [alerts]);
  const helpRequests = state?.helpRequests;
  // Raised hands nobody has taken wait as alerts do (the narrow view's switch counts them).
  const unacknowledgedCount = useMemo(
    () =>
      [...unacknowledged.values()].reduce((sum, n) => sum + n, 0) +
      (helpRequests ?? []).filter((h) => h.closedAt === null && h.takenBy === null).length,
    [unacknowledged, helpRequests],
  );

  const onHandling = useCallback(
    (handling: AlertState) =>
      patch((s) => ({
        ...s,
        alerts: s.alerts.map((a) => (a.flag.id === handling.flagId ? { ...a, handling } : a)),
      })),
    [patch],
  );

  const onHand = useCallback(
    (hand: HelpRequest) => patch((s) => ({ ...s, helpRequests: upsertHand(s.helpRequests, hand) })),
    [patch],
  );

  const title = state ? `Live: ${state.exam.title}` : 'Live dashboard';
  return (
    <Page
      title={title}
      intro="Sessions update as they happen. Times are shown in your time zone."
      actions={
        <>
          {state ? (
            <a
              href="#alerts-heading"
              className="button secondary small"
              // On a narrow screen the feed may be switched away: bring it back first.
              onClick={() => setView('alerts')}
            >
              Jump to alerts ({unacknowledgedCount})
            </a>
          ) : null}
          <Link to="/proctor">Back to assigned exams</Link>
        </>
      }
    >
      {!state ? (
        live.error ? (
          <ErrorState error={live.error} onRetry={live.reload} />
        ) : (
          <Loading label="Loading the live dashboard…" />
        )
      ) : (
        <>
          <ConnectionBanner status={live.status} />
          {live.error ? <ErrorState error={live.error} onRetry={live.reload} /> : null}
          <ViewSwitch view={view} onView={setView} waiting={unacknowledgedCount} />
          <div className={`live-layout live-view-${view}`}>
            <div className="live-main" id="live-sessions-view">
              <ExamPanel exam={state.exam} counts={state.counts} />
              <AnnouncePanel
                examId={state.exam.id}
                counts={state.counts}
                live={state.announcements}
              />
              <section aria-labelledby="sessions-heading" className="live-sessions">
                <SessionGrid
                  tiles={tiles}
                  unacknowledged={unacknowledged}
                  heading={<h2 id="sessions-heading">Sessions</h2>}
                  video={videoWatch(state.exam.policy)}
                  rtcLinks={state.rtcLinks}
                />
              </section>
            </div>
            <aside
              className="live-side card"
              id="live-alerts-view"
              aria-labelledby="alerts-heading"
            >
              <AlertFeed
                alerts={state.alerts}
                meId={user.id}
                fresh={fresh}
                announcement={announcement}
                muted={muted}
                onMuted={setMuted}
                onHandling={onHandling}
                chat={<FeedChat state={state} meId={user.id} muted={muted} onHand={onHand} />}
              />
            </aside>
          </div>
        </>
      )}
    </Page>
  );
}

/** /proctor/exams/:id/live — the live grid, alert feed and exam panel of one exam. */
export function LiveDashboardPage() {
  const { id = '' } = useParams();
  // A different exam is a fresh dashboard: no state carries over.
  return <Dashboard key={id} examId={id} />;
}
