import { memo, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { HelpRequest } from '@invigil/contracts';
import { handsApi } from '../api/chat';
import { describeError } from '../api/errors';
import { useUser } from '../auth/session';
import { LiveViewButton } from '../rtc/live-view';
import { mayOpenLinks } from '../rtc/rtc-config';
import { ConfirmButton } from '../ui/confirm-button';
import {
  handClosedText,
  handHolder,
  handTakerFromDetails,
  handText,
  isOpenHand,
} from './chat-model';
import { takenByAnother } from './alert-model';
import { sessionDetailPath } from './session-tile';
import './proctor-chat.css';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The session detail's chat: the address "Open chat" goes to (focuses the message box). */
export function sessionChatPath(sessionId: string): string {
  return `${sessionDetailPath(sessionId)}#chat`;
}

/**
 * Take (or take over), open the chat, resolve: what a proctor does with a raised hand.
 * `onHand` gets the server's answer at once (the live message confirms it later). After
 * taking, focus goes to "Open chat", the next step (or, without that link, to `onDone`);
 * after resolving, `onDone` says where it goes (the buttons are gone).
 */
export function HandActions({
  hand,
  meId,
  describedBy,
  onHand,
  withChatLink = true,
  onDone,
}: {
  hand: HelpRequest;
  meId: string;
  /** Id of the text naming the student (buttons say "Take" without context). */
  describedBy: string;
  onHand: (hand: HelpRequest) => void;
  withChatLink?: boolean;
  /** Called after a take (without the chat link) or a resolve, to move the focus on. */
  onDone?: (kind: 'take' | 'resolve') => void;
}) {
  const [pending, setPending] = useState<'take' | 'resolve' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const chatLink = useRef<HTMLAnchorElement>(null);
  // Set when this user took the hand: once it shows as theirs, "Open chat" gets the focus.
  const focusChat = useRef(false);
  const holder = handHolder(hand, meId);
  const mayCall = mayOpenLinks(useUser().role);

  useEffect(() => {
    if (focusChat.current && holder.kind === 'me') {
      focusChat.current = false;
      chatLink.current?.focus();
    }
  }, [holder.kind]);

  const run = async (kind: 'take' | 'resolve', call: () => Promise<HelpRequest>) => {
    setPending(kind);
    setProblem(null);
    try {
      const next = await call();
      onHand(next);
      if (kind === 'take' && withChatLink) focusChat.current = true;
      else onDone?.(kind);
    } catch (error) {
      const taker = takenByAnother(error, 'HAND_TAKEN', handTakerFromDetails);
      if (taker) {
        // Someone was quicker: show who, with the Take over button.
        onHand({ ...hand, takenBy: taker, takenAt: new Date().toISOString() });
        setProblem(`${taker.name} has just taken this hand.`);
      } else {
        setProblem(describeError(error));
      }
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="pd-alert-actions">
      {holder.kind === 'nobody' ? (
        <button
          type="button"
          className="button primary small"
          disabled={pending !== null}
          aria-describedby={describedBy}
          onClick={() => void run('take', () => handsApi.take(hand.id))}
        >
          {pending === 'take' ? 'Taking…' : 'Take'}
        </button>
      ) : holder.kind === 'me' ? (
        <span className="pd-alert-holder small">Taken by you</span>
      ) : (
        <>
          <span className="pd-alert-holder small">Taken by {holder.name}</span>
          <ConfirmButton
            label="Take over"
            question={`Take this hand over from ${holder.name}?`}
            confirmLabel="Take over"
            className="button secondary small"
            pending={pending === 'take'}
            pendingLabel="Taking over…"
            describedBy={describedBy}
            onConfirm={() => void run('take', () => handsApi.take(hand.id, true))}
          />
        </>
      )}
      {withChatLink ? (
        <Link
          ref={chatLink}
          to={sessionChatPath(hand.sessionId)}
          className="button secondary small"
          aria-describedby={describedBy}
        >
          Open chat
        </Link>
      ) : null}
      {withChatLink && mayCall ? (
        <LiveViewButton
          target={{
            sessionId: hand.sessionId,
            examId: hand.examId,
            studentName: hand.student.name,
          }}
          kind="call"
        />
      ) : null}
      <button
        type="button"
        className="button secondary small"
        disabled={pending !== null}
        aria-describedby={describedBy}
        onClick={() => void run('resolve', () => handsApi.resolve(hand.id))}
      >
        {pending === 'resolve' ? 'Resolving…' : 'Resolve'}
      </button>
      {problem ? (
        <p className="field-error small" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

/** One raised hand as an alert of its own kind: who, their words, when, and what to do. */
const HandItem = memo(function HandItem({
  hand,
  meId,
  fresh,
  onHand,
  onResolved,
}: {
  hand: HelpRequest;
  meId: string;
  fresh: boolean;
  onHand: (hand: HelpRequest) => void;
  onResolved: () => void;
}) {
  const nameId = `hand-${hand.id}-who`;
  const open = isOpenHand(hand);
  return (
    <li
      data-hand-id={hand.id}
      className={`pd-alert pd-hand${open ? '' : ' pd-alert-done'}${fresh && open ? ' pd-alert-new' : ''}`}
    >
      <article aria-labelledby={nameId}>
        <p className="pd-alert-title">
          <span className="pd-hand-badge">Hand</span>{' '}
          <strong id={nameId} className="pd-hand-text">
            {handText(hand)}
          </strong>
        </p>
        <p className="muted small pd-alert-time">
          <time dateTime={hand.raisedAt}>{timeFormat.format(new Date(hand.raisedAt))}</time>
          {open ? '' : ` · ${handClosedText(hand)}`}
        </p>
        {open ? (
          <HandActions
            hand={hand}
            meId={meId}
            describedBy={nameId}
            onHand={onHand}
            onDone={onResolved}
          />
        ) : null}
      </article>
    </li>
  );
});

/**
 * The raised hands in the alert feed: open ones first, each with Take / Open chat / Resolve;
 * the ones closed in the last hour folded away below.
 */
export function HandAlerts({
  hands,
  meId,
  fresh,
  onHand,
}: {
  /** Newest first. */
  hands: readonly HelpRequest[];
  meId: string;
  fresh: ReadonlySet<string>;
  onHand: (hand: HelpRequest) => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  if (hands.length === 0) return null;
  const open = hands.filter(isOpenHand);
  const closed = hands.filter((h) => !isOpenHand(h));
  // A resolved hand leaves the open list: focus its section rather than losing it.
  const onResolved = () => heading.current?.focus();
  const list = (items: readonly HelpRequest[], label: string) => (
    <ul className="pd-alert-list" aria-label={label}>
      {items.map((hand) => (
        <HandItem
          key={hand.id}
          hand={hand}
          meId={meId}
          fresh={fresh.has(hand.id)}
          onHand={onHand}
          onResolved={onResolved}
        />
      ))}
    </ul>
  );
  return (
    <section className="pd-alert-group pd-hands" aria-labelledby="hands-heading">
      <h3
        id="hands-heading"
        className="pd-alert-group-title pd-hands-title"
        tabIndex={-1}
        ref={heading}
      >
        Raised hands ({open.length})
      </h3>
      {open.length > 0 ? (
        list(open, 'Raised hands waiting')
      ) : (
        <p className="muted small">No hand is raised.</p>
      )}
      {closed.length > 0 ? (
        <details className="pd-alert-acknowledged">
          <summary>Closed hands ({closed.length})</summary>
          {list(closed, 'Closed hands')}
        </details>
      ) : null}
    </section>
  );
}
