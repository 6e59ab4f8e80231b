import { useId, useMemo, useState } from 'react';
import type { SessionReview } from '@invigil/contracts';
import { SEVERITY_LABEL } from '../exams/detectors';
import { formatClock, spokenClock } from '../player/timeline';
import { Checkbox } from '../ui/field';
import { Section } from '../ui/page';
import {
  REVIEW_CATEGORIES,
  categoryCounts,
  reviewTimeline,
  visibleItems,
  type ReviewCategory,
  type ReviewTimelineItem,
} from './review-timeline-model';
import './review-timeline.css';

function TimelineLine({
  item,
  startMs,
  onPlay,
}: {
  item: ReviewTimelineItem;
  startMs: number;
  onPlay: (epochMs: number) => void;
}) {
  const labelId = useId();
  const offset = item.atMs - startMs;
  return (
    <li className={`rt-item rt-${item.category}`} data-category={item.category}>
      <span className="rt-time">
        <time dateTime={new Date(item.atMs).toISOString()}>{formatClock(offset)}</time>
      </span>
      <div className="rt-body">
        <p className="rt-label" id={labelId}>
          {item.severity ? (
            <span className={`badge badge-severity-${item.severity}`}>
              {SEVERITY_LABEL[item.severity]}
            </span>
          ) : null}{' '}
          {item.label}
          {item.quote !== null ? (
            <>
              {': '}
              <q className="rt-quote">{item.quote}</q>
            </>
          ) : null}
        </p>
        {item.details ? <p className="rt-details muted small">{item.details}</p> : null}
      </div>
      <button
        type="button"
        className="button small secondary rt-play"
        onClick={() => onPlay(item.atMs)}
        aria-describedby={labelId}
      >
        Play<span className="sr-only"> the recording from {spokenClock(offset)}</span>
      </button>
    </li>
  );
}

/**
 * The attempt in time order for the reviewer: flags, chat and announcements, raised hands,
 * live views and calls, and proctors' notes, each with a button that plays the recording from
 * its moment. Checkboxes hide kinds of lines; the count of lines shown is announced.
 */
export function ReviewTimeline({
  review,
  onPlay,
}: {
  review: SessionReview;
  onPlay: (epochMs: number) => void;
}) {
  const items = useMemo(() => reviewTimeline(review), [review]);
  const counts = categoryCounts(items);
  const [hidden, setHidden] = useState<ReadonlySet<ReviewCategory>>(() => new Set());
  const shown = visibleItems(items, hidden);
  const startMs = review.session.startedAt
    ? Date.parse(review.session.startedAt)
    : (items[0]?.atMs ?? 0);
  const toggle = (category: ReviewCategory, on: boolean) =>
    setHidden((current) => {
      const next = new Set(current);
      if (on) next.delete(category);
      else next.add(category);
      return next;
    });

  return (
    <Section title="Timeline" id="review-timeline">
      {items.length === 0 ? (
        <p className="empty">Nothing happened in this attempt that the timeline lists.</p>
      ) : (
        <>
          <fieldset className="rt-filters">
            <legend>Show</legend>
            {REVIEW_CATEGORIES.filter((c) => counts[c.id] > 0).map((c) => (
              <Checkbox
                key={c.id}
                label={`${c.label} (${counts[c.id]})`}
                checked={!hidden.has(c.id)}
                onChange={(on) => toggle(c.id, on)}
              />
            ))}
          </fieldset>
          <p className="muted small" role="status">
            {shown.length === items.length
              ? `${items.length} line${items.length === 1 ? '' : 's'}`
              : `${shown.length} of ${items.length} lines shown`}
            . Times are from the start of the attempt; chat, hands and live views are at the
            server’s time.
          </p>
          {shown.length > 0 ? (
            <ol className="rt-list" aria-label="The attempt in time order">
              {shown.map((item) => (
                <TimelineLine key={item.key} item={item} startMs={startMs} onPlay={onPlay} />
              ))}
            </ol>
          ) : (
            <p className="empty">Every kind of line is hidden.</p>
          )}
        </>
      )}
    </Section>
  );
}
