import { useCallback, useMemo, useState, type ReactNode } from 'react';
import type { Flag, Intervention } from '@invigil/contracts';
import { chatApi } from '../api/chat';
import { proctorApi } from '../api/endpoints';
import { formatClock } from '../player/timeline';
import { Checkbox } from '../ui/field';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { SEVERITY_LABEL } from './alert-model';
import type { CommItem, Communication } from './communication-timeline';
import { buildTimeline, mergeChat, type TimelineItem } from './detail-model';
import { sessionQueryKeys } from './live-detail-refresh';
import './session-timeline.css';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The strip above the list: where each flag lies in the attempt, as buttons. */
function FlagStrip({
  flags,
  startMs,
  endMs,
  selectedId,
  onSelect,
}: {
  flags: readonly Flag[];
  startMs: number;
  endMs: number;
  selectedId: string | null;
  onSelect: (flag: Flag) => void;
}) {
  const length = Math.max(1, endMs - startMs);
  const at = (ms: number) => Math.min(100, Math.max(0, ((ms - startMs) / length) * 100));
  // The list below offers the same flags to keyboard and screen reader users.
  return (
    <div className="flag-strip" aria-hidden="true">
      {flags.map((flag) => (
        <button
          key={flag.id}
          type="button"
          tabIndex={-1}
          className={`flag-mark pd-severity-${flag.severity}${flag.id === selectedId ? ' selected' : ''}`}
          style={{
            left: `${at(flag.startMs)}%`,
            width: `${Math.max(0.6, at(flag.endMs ?? flag.startMs) - at(flag.startMs))}%`,
          }}
          title={flag.message}
          onClick={() => onSelect(flag)}
        />
      ))}
    </div>
  );
}

/** A chat message, raised hand or live link: what, who, the words (as text) and how it went. */
export function CommBody({ item }: { item: CommItem }) {
  return (
    <span className="timeline-comm-body">
      <span className="timeline-comm-label">{item.label}</span>
      {item.quote !== null ? (
        <>
          {': '}
          <q className="timeline-quote">{item.quote}</q>
        </>
      ) : null}
      {item.details ? (
        <span className="muted small timeline-comm-details">{item.details}</span>
      ) : null}
    </span>
  );
}

function CommRow({ item, time }: { item: CommItem; time: ReactNode }) {
  return (
    <li className={`timeline-item timeline-comm timeline-comm-${item.category}`}>
      <span className="timeline-time">{time}</span>
      <CommBody item={item} />
    </li>
  );
}

function TimelineRow({
  item,
  startMs,
  selected,
  onSelect,
}: {
  item: TimelineItem;
  startMs: number;
  selected: boolean;
  onSelect: (flag: Flag) => void;
}) {
  const clock = formatClock(item.atMs - startMs);
  const time = <time dateTime={new Date(item.atMs).toISOString()}>{clock}</time>;
  if (item.kind === 'event') {
    return (
      <li className="timeline-item timeline-event">
        <span className="timeline-time">{time}</span>
        <span>{item.label}</span>
      </li>
    );
  }
  if (item.kind === 'comm') return <CommRow item={item} time={time} />;
  if (item.kind === 'staff') {
    return (
      <li className="timeline-item timeline-staff">
        <span className="timeline-time">{time}</span>
        <span>
          {item.label}
          {item.by ? <span className="muted small"> · {item.by}</span> : null}
        </span>
      </li>
    );
  }
  const { flag } = item;
  return (
    <li className={`timeline-item timeline-flag pd-severity-row-${item.severity}`}>
      <span className="timeline-time">{time}</span>
      <button
        type="button"
        className={`timeline-flag-button${selected ? ' selected' : ''}`}
        aria-pressed={selected}
        onClick={() => onSelect(flag)}
      >
        <span className={`pd-severity pd-severity-${item.severity}`}>
          {SEVERITY_LABEL[item.severity]}
        </span>{' '}
        {item.label}
        <span className="sr-only">. Play the recording from {clock}.</span>
        {flag.reviewStatus !== 'open' ? (
          <span className="muted small"> ({flag.reviewStatus})</span>
        ) : null}
      </button>
    </li>
  );
}

/**
 * The attempt's events and flags in time order, flags coloured by severity. Choosing a flag
 * (a button: Enter or Space) selects it and plays the recording from just before it.
 */
export function SessionTimeline({
  sessionId,
  flags,
  interventions,
  communication,
  startMs,
  selectedId,
  onSelect,
}: {
  sessionId: string;
  flags: readonly Flag[];
  /** The proctors' interventions, shown in time order with the rest. */
  interventions: readonly Intervention[];
  /**
   * Chat messages that arrived live (merged with the thread loaded here), the raised hands and
   * the live views and calls known to the page; shown unless the proctor hides them.
   */
  communication?: Communication & { studentName?: string };
  /** Epoch ms of the start of the attempt (time 0:00 of the list). */
  startMs: number;
  selectedId: string | null;
  onSelect: (flag: Flag) => void;
}) {
  const load = useCallback(
    (signal: AbortSignal) => proctorApi.events(sessionId, signal),
    [sessionId],
  );
  // Shared with the page's live refresh (see useLiveDetailRefresh) and, for notes, the form.
  const events = useResource(load, { key: sessionQueryKeys.events(sessionId) });
  const loadNotes = useCallback(
    (signal: AbortSignal) => proctorApi.notes(sessionId, signal),
    [sessionId],
  );
  const notes = useResource(loadNotes, { key: sessionQueryKeys.notes(sessionId) });
  const loadChat = useCallback(
    (signal: AbortSignal) => chatApi.thread(sessionId, signal),
    [sessionId],
  );
  // Under the session's keys, so the page's live refresh reloads it with the events.
  const thread = useResource(loadChat, { key: ['api', 'sessions', sessionId, 'chat-thread'] });
  const [detail, setDetail] = useState(false);
  const [showComm, setShowComm] = useState(true);
  const items = useMemo(
    () =>
      buildTimeline(events.data ?? [], flags, detail, {
        interventions,
        notes: notes.data ?? [],
        communication:
          showComm && communication
            ? {
                ...communication,
                chat: mergeChat(thread.data?.messages ?? [], communication.chat ?? []),
                startMs,
              }
            : undefined,
      }),
    [
      events.data,
      flags,
      detail,
      interventions,
      notes.data,
      showComm,
      communication,
      thread.data,
      startMs,
    ],
  );
  const endMs = items.length ? Math.max(startMs, items[items.length - 1]!.atMs) : startMs;

  return (
    <div className="session-timeline">
      {flags.length > 0 ? (
        <FlagStrip
          flags={flags}
          startMs={startMs}
          endMs={endMs}
          selectedId={selectedId}
          onSelect={onSelect}
        />
      ) : null}
      <div className="timeline-tools">
        <Checkbox label="Show detector details" checked={detail} onChange={setDetail} />
        {communication ? (
          <Checkbox
            label="Show chat, raised hands and live views"
            checked={showComm}
            onChange={setShowComm}
          />
        ) : null}
        {events.data ? (
          <button
            type="button"
            className="link-button small"
            onClick={events.reload}
            disabled={events.loading}
          >
            {events.loading ? 'Refreshing events…' : 'Refresh events'}
          </button>
        ) : null}
      </div>
      {events.error && !events.data ? (
        <ErrorState error={events.error} onRetry={events.reload} />
      ) : null}
      {!events.data && !events.error ? <Loading label="Loading events…" /> : null}
      {items.length === 0 && events.data ? (
        <EmptyState>No events or flags yet.</EmptyState>
      ) : (
        <ol className="timeline-list" aria-label="Events and flags in time order">
          {items.map((item) => (
            <TimelineRow
              key={item.key}
              item={item}
              startMs={startMs}
              selected={item.kind === 'flag' && item.flag.id === selectedId}
              onSelect={onSelect}
            />
          ))}
        </ol>
      )}
      {items.length > 0 ? (
        <p className="muted small">
          Times are from the start of the attempt ({timeFormat.format(new Date(startMs))}).
        </p>
      ) : null}
    </div>
  );
}
