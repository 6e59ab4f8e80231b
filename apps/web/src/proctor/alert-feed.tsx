import { memo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { Alert, AlertState, Severity } from '@invigil/contracts';
import { proctorApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatClock } from '../player/timeline';
import { ConfirmButton } from '../ui/confirm-button';
import { EmptyState } from '../ui/states';
import {
  FLAG_TYPE_LABEL,
  SEVERITIES,
  alertSources,
  backOnlineText,
  isBackOnline,
  SEVERITY_LABEL,
  groupAlerts,
  handlingFrom,
  holderOf,
  holderFromDetails,
  takenByAnother,
  type Announcement,
} from './alert-model';
import { sessionDetailPath } from './session-tile';
import { useUser } from '../auth/session';
import { LiveViewButton } from '../rtc/live-view';
import { mayOpenLinks } from '../rtc/rtc-config';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Buttons that acknowledge and take an alert, with what they answered. */
function AlertActions({
  alert,
  meId,
  onHandling,
}: {
  alert: Alert;
  meId: string;
  onHandling: (handling: AlertState) => void;
}) {
  const [pending, setPending] = useState<'ack' | 'take' | 'release' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { handling } = alert;
  const holder = holderOf(handling, meId);
  const nameId = `alert-${alert.flag.id}-who`;

  const run = async (kind: 'ack' | 'take' | 'release', call: () => Promise<AlertState | Alert>) => {
    setPending(kind);
    setProblem(null);
    try {
      onHandling(handlingFrom(await call()));
    } catch (error) {
      const holder = takenByAnother(error, 'ALERT_TAKEN', holderFromDetails);
      if (holder) {
        // Someone was quicker: show who, with the Take over button.
        onHandling({ ...handling, assignedTo: holder, assignedAt: new Date().toISOString() });
        setProblem(`${holder.name} has just taken this alert.`);
      } else {
        setProblem(describeError(error));
      }
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="pd-alert-actions">
      {handling.acknowledgedAt ? (
        <span className="muted small">
          Acknowledged{handling.acknowledgedBy ? ` by ${handling.acknowledgedBy.name}` : ''}
        </span>
      ) : (
        <button
          type="button"
          className="button secondary small"
          disabled={pending !== null}
          aria-describedby={nameId}
          onClick={() => void run('ack', () => proctorApi.acknowledge(alert.flag.id))}
        >
          {pending === 'ack' ? 'Acknowledging…' : 'Acknowledge'}
        </button>
      )}
      {holder.kind === 'nobody' ? (
        <button
          type="button"
          className="button secondary small"
          disabled={pending !== null}
          aria-describedby={nameId}
          onClick={() => void run('take', () => proctorApi.assign(alert.flag.id))}
        >
          {pending === 'take' ? 'Taking…' : 'Take it'}
        </button>
      ) : holder.kind === 'me' ? (
        <>
          <span className="pd-alert-holder small">Taken by you</span>
          <button
            type="button"
            className="link-button small"
            disabled={pending !== null}
            aria-describedby={nameId}
            onClick={() => void run('release', () => proctorApi.release(alert.flag.id))}
          >
            {pending === 'release' ? 'Releasing…' : 'Release'}
          </button>
        </>
      ) : (
        <>
          <span className="pd-alert-holder small">Taken by {holder.name}</span>
          <ConfirmButton
            label="Take over"
            question={`Take this alert over from ${holder.name}?`}
            confirmLabel="Take over"
            className="button secondary small"
            pending={pending === 'take'}
            pendingLabel="Taking over…"
            describedBy={nameId}
            onConfirm={() => void run('take', () => proctorApi.assign(alert.flag.id, true))}
          />
        </>
      )}
      {problem ? (
        <p className="field-error small" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

/** One alert: severity, student, what happened, when, and what to do. */
const AlertItem = memo(function AlertItem({
  alert,
  meId,
  fresh,
  onHandling,
}: {
  alert: Alert;
  meId: string;
  fresh: boolean;
  onHandling: (handling: AlertState) => void;
}) {
  const { flag, student } = alert;
  const at = flag.startOffsetMs === null ? null : formatClock(flag.startOffsetMs);
  const nameId = `alert-${flag.id}-who`;
  const sources = alertSources(alert);
  // The feed lives on /proctor/exams/:id/live: the live view's socket follows that exam.
  const { id: examId } = useParams();
  const user = useUser();
  return (
    <li
      data-flag-id={flag.id}
      className={`pd-alert pd-alert-${flag.severity}${fresh ? ' pd-alert-new' : ''}${
        alert.handling.acknowledgedAt ? ' pd-alert-done' : ''
      }`}
    >
      <article aria-labelledby={nameId}>
        <p className="pd-alert-title">
          <span className={`pd-severity pd-severity-${flag.severity}`}>
            {SEVERITY_LABEL[flag.severity]}
          </span>{' '}
          <strong id={nameId}>
            {student.name}: {FLAG_TYPE_LABEL[flag.type]}
          </strong>
        </p>
        {isBackOnline(alert) ? (
          <p className="pd-alert-back small">
            <span className="pd-health-dot" aria-hidden="true" /> {backOnlineText(alert)}
          </p>
        ) : null}
        <p className="pd-alert-message small">{flag.message}</p>
        <p className="pd-alert-sources small">
          Detected by {sources.join(' and ')}
          {sources.length > 1 ? <span className="sr-only"> (one condition, one alert)</span> : null}
        </p>
        <p className="muted small pd-alert-time">
          <time dateTime={flag.createdAt}>{timeFormat.format(new Date(flag.createdAt))}</time>
          {flag.endMs === null ? ' · still going on' : ''} ·{' '}
          <Link to={sessionDetailPath(flag.sessionId, flag.id)} aria-describedby={nameId}>
            {at ? `Open at ${at}` : 'Open session'}
          </Link>
        </p>
        <AlertActions alert={alert} meId={meId} onHandling={onHandling} />
        {examId && mayOpenLinks(user.role) ? (
          <LiveViewButton
            target={{ sessionId: flag.sessionId, examId, studentName: student.name }}
            className="link-button small"
          />
        ) : null}
      </article>
    </li>
  );
});

function AlertList({
  alerts,
  meId,
  fresh,
  onHandling,
  label,
}: {
  alerts: readonly Alert[];
  meId: string;
  fresh: ReadonlySet<string>;
  onHandling: (handling: AlertState) => void;
  label: string;
}) {
  return (
    <ul className="pd-alert-list" aria-label={label}>
      {alerts.map((alert) => (
        <AlertItem
          key={alert.flag.id}
          alert={alert}
          meId={meId}
          fresh={fresh.has(alert.flag.id)}
          onHandling={onHandling}
        />
      ))}
    </ul>
  );
}

/**
 * The alert feed: alerts waiting for acknowledgement grouped by severity (newest first),
 * then the acknowledged ones of the last hour. New alerts are flashed, announced through
 * the live regions (assertive for high severity) and, unless muted, beep.
 */
export function AlertFeed({
  alerts,
  meId,
  fresh,
  announcement,
  muted,
  onMuted,
  onHandling,
  chat,
}: {
  alerts: readonly Alert[];
  meId: string;
  /** Ids of alerts that arrived while the page was open. */
  fresh: ReadonlySet<string>;
  announcement: Announcement | null;
  muted: boolean;
  onMuted: (muted: boolean) => void;
  onHandling: (handling: AlertState) => void;
  /** Raised hands and unread messages (feed-chat.tsx), shown above the flag alerts. */
  chat?: ReactNode;
}) {
  const groups = groupAlerts(alerts);
  return (
    <>
      <div className="section-head pd-alert-feed-head">
        <h2 id="alerts-heading" tabIndex={-1}>
          Alerts{' '}
          <span className="pd-alert-count">
            {groups.openCount}
            <span className="sr-only"> waiting</span>
          </span>
        </h2>
        <button
          type="button"
          className="button secondary small"
          aria-pressed={muted}
          onClick={() => onMuted(!muted)}
        >
          {muted ? 'Sound off' : 'Sound on'}
        </button>
      </div>
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {announcement && !announcement.assertive ? announcement.text : ''}
      </div>
      <div className="sr-only" role="alert" aria-live="assertive" aria-atomic="true">
        {announcement?.assertive ? announcement.text : ''}
      </div>
      {chat}
      {alerts.length === 0 ? (
        <EmptyState>No alerts in the last hour.</EmptyState>
      ) : (
        <>
          {groups.openCount === 0 ? (
            <p className="muted small">Every alert is acknowledged.</p>
          ) : null}
          {SEVERITIES.map((severity: Severity) =>
            groups.open[severity].length > 0 ? (
              <section
                key={severity}
                className="pd-alert-group"
                aria-labelledby={`alerts-${severity}-heading`}
              >
                <h3
                  id={`alerts-${severity}-heading`}
                  className={`pd-alert-group-title pd-severity-text-${severity}`}
                >
                  {SEVERITY_LABEL[severity]} ({groups.open[severity].length})
                </h3>
                <AlertList
                  alerts={groups.open[severity]}
                  meId={meId}
                  fresh={fresh}
                  onHandling={onHandling}
                  label={`${SEVERITY_LABEL[severity]} severity alerts`}
                />
              </section>
            ) : null,
          )}
          {groups.acknowledged.length > 0 ? (
            <details className="pd-alert-group pd-alert-acknowledged">
              <summary>Acknowledged ({groups.acknowledged.length})</summary>
              <AlertList
                alerts={groups.acknowledged}
                meId={meId}
                fresh={fresh}
                onHandling={onHandling}
                label="Acknowledged alerts"
              />
            </details>
          ) : null}
        </>
      )}
    </>
  );
}
