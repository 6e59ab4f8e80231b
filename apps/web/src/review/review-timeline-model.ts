import type { SessionReview, Severity } from '@invigil/contracts';
import { FLAG_TYPE_LABEL } from '../proctor/alert-model';
import {
  COMM_CATEGORY_LABEL,
  communicationItems,
  type CommCategory,
} from '../proctor/communication-timeline';
import { DECISION_LABEL, duringCallText } from './review-model';

/** What a review timeline line is, for its filters. */
export type ReviewCategory = 'flag' | 'note' | CommCategory;

/** The filters in the order the page offers them, with their names. */
export const REVIEW_CATEGORIES: readonly { id: ReviewCategory; label: string }[] = [
  { id: 'flag', label: 'Flags' },
  { id: 'chat', label: COMM_CATEGORY_LABEL.chat },
  { id: 'hand', label: COMM_CATEGORY_LABEL.hand },
  { id: 'live', label: COMM_CATEGORY_LABEL.live },
  { id: 'note', label: 'Proctor notes' },
];

/** One line of the review timeline; each can play the recording from its moment. */
export interface ReviewTimelineItem {
  key: string;
  category: ReviewCategory;
  /** Epoch ms: a flag's on the recording's clock, the rest the server's time of it. */
  atMs: number;
  label: string;
  /** Words someone wrote (chat, a hand's text, a note), shown as text. */
  quote: string | null;
  details: string | null;
  /** Flags only. */
  severity: Severity | null;
  /** Flags only: the id of its entry in the flag list (its heading). */
  flagId: string | null;
}

/**
 * The attempt in time order for the reviewer: flags, proctors' notes, chat messages and
 * announcements, raised hands, live views and calls. At the same moment a flag comes first,
 * then by kind, so the order is stable across loads.
 */
export function reviewTimeline(review: SessionReview): ReviewTimelineItem[] {
  const startMs = review.session.startedAt ? Date.parse(review.session.startedAt) : 0;
  const items: ReviewTimelineItem[] = review.flags.map((f) => ({
    key: `flag-${f.id}`,
    category: 'flag',
    atMs: f.startMs,
    label: `${FLAG_TYPE_LABEL[f.type]}: ${f.message}`,
    quote: null,
    details: [DECISION_LABEL[f.decision], duringCallText(f)].filter(Boolean).join(' · '),
    severity: f.severity,
    flagId: f.id,
  }));
  for (const n of review.notes ?? []) {
    items.push({
      key: `note-${n.id}`,
      category: 'note',
      atMs: Date.parse(n.createdAt),
      label: `Note by ${n.author?.name ?? 'a former user'}`,
      quote: n.body,
      details: null,
      severity: null,
      flagId: null,
    });
  }
  const comm = communicationItems(
    { chat: review.chat, hands: review.helpRequests, rtcLinks: review.rtcLinks },
    startMs,
    review.student.name,
  );
  for (const c of comm) {
    items.push({
      key: c.key,
      category: c.category,
      atMs: c.atMs,
      label: c.label,
      quote: c.quote,
      details: c.details,
      severity: null,
      flagId: null,
    });
  }
  const rank = (c: ReviewCategory) => REVIEW_CATEGORIES.findIndex((x) => x.id === c);
  return items.sort(
    (a, b) => a.atMs - b.atMs || rank(a.category) - rank(b.category) || a.key.localeCompare(b.key),
  );
}

/** How many lines of each category there are (filters show the counts). */
export function categoryCounts(
  items: readonly ReviewTimelineItem[],
): Record<ReviewCategory, number> {
  const counts: Record<ReviewCategory, number> = { flag: 0, note: 0, chat: 0, hand: 0, live: 0 };
  for (const item of items) counts[item.category] += 1;
  return counts;
}

/** The lines of the categories shown. */
export function visibleItems(
  items: readonly ReviewTimelineItem[],
  hidden: ReadonlySet<ReviewCategory>,
): ReviewTimelineItem[] {
  return items.filter((item) => !hidden.has(item.category));
}
