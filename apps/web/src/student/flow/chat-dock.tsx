import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import type { StudentPolicy } from '@invigil/contracts';
import type { LiveChannel } from '../../live/use-live';
import { highestSeq, spokenArrivals, unreadCount, visibleMessages } from './chat-model';
import { ChatCompose, ChatMessages } from './chat-panel';
import { playChatSound, useChatMute, useUnlockChatSound } from './chat-sound';
import { RaiseHand } from './raise-hand';
import { useRaisedHand, useStudentChat } from './use-student-chat';
import './chat.css';

function subscribeVisibility(onChange: () => void) {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}
/** The tab is in front: only then does an open panel count as read. */
function useDocumentVisible(): boolean {
  return useSyncExternalStore(
    subscribeVisibility,
    () => document.visibilityState === 'visible',
    () => true,
  );
}

/** A request from elsewhere on the page to open the dock (`n` counts up; `ask`: Raise hand). */
export interface DockOpenRequest {
  n: number;
  ask: boolean;
}

/**
 * Chat with the proctors, their announcements and raising a hand, beside the questions: a
 * column at the right on wide screens (narrow until opened; the page makes room for it, so it
 * never covers a question) and a bar at the bottom with a sheet above it on phones. The Chat
 * button shows how many are unread; new proctor messages and announcements chime (unless
 * muted) and are read out politely. With chat off for the exam, the proctors' announcements
 * and messages show read-only. `blocked` while a notice that must be answered covers the exam
 * (the dock is inert then, like the questions); `raised` draws it above a notice the student
 * waits out (pause, recording problem), when help is most needed.
 */
export function ChatDock({
  sessionId,
  policy,
  channel,
  blocked,
  raised = false,
  openRequest = null,
  resyncs = 0,
}: {
  sessionId: string;
  policy: Pick<StudentPolicy, 'chat' | 'raiseHand'>;
  /** The exam page's one live connection. */
  channel: LiveChannel;
  blocked: boolean;
  raised?: boolean;
  /** Open the panel (e.g. from the pause notice's "Message the proctor"). */
  openRequest?: DockOpenRequest | null;
  /** Counts the feed's resyncs: the thread and the hand are fetched again. */
  resyncs?: number;
}) {
  const id = useId();
  const chat = useStudentChat(sessionId, channel, resyncs);
  const hand = useRaisedHand(sessionId, channel, resyncs);
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const [muted, setMuted] = useChatMute();
  useUnlockChatSound();
  const visible = useDocumentVisible();
  const toggle = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const panel = useRef<HTMLElement>(null);

  const shown = visibleMessages(chat.messages, policy.chat);
  const unread = unreadCount(shown, chat.readUpTo);
  const arrivals = visibleMessages(chat.arrivals.messages, policy.chat);
  const top = highestSeq(shown);

  // A chime per batch of new proctor messages (never for the student's own).
  const mutedRef = useRef(muted);
  useEffect(() => {
    mutedRef.current = muted;
  }, [muted]);
  const chatOn = policy.chat;
  useEffect(() => {
    const fresh = visibleMessages(chat.arrivals.messages, chatOn);
    if (fresh.length > 0 && !mutedRef.current)
      playChatSound(fresh.some((m) => m.kind === 'announcement'));
  }, [chat.arrivals, chatOn]);

  // Read while the panel is open in a visible tab and not under a modal notice.
  const { loaded, readUpTo, markRead } = chat;
  useEffect(() => {
    if (open && visible && !blocked && loaded && top > readUpTo) markRead(top);
  }, [open, visible, blocked, loaded, top, readUpTo, markRead]);

  const show = (next: boolean, ask = false) => {
    setOpen(next);
    setAsking(ask);
    // After the render that shows it: the text area (or, without chat, the heading) when
    // opening; the Chat button (hidden while open) when closing.
    if (next && !ask) setTimeout(() => (input.current ?? heading.current)?.focus(), 0);
    else if (!next) setTimeout(() => toggle.current?.focus(), 0);
  };
  // Escape anywhere in the open panel closes it, focus going back to the Chat button.
  const close = useRef(() => show(false));
  const showRef = useRef(show);
  useEffect(() => {
    close.current = () => show(false);
    showRef.current = show;
  });
  useEffect(() => {
    const el = panel.current;
    if (!el || !open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) close.current();
    };
    el.addEventListener('keydown', onKey);
    return () => el.removeEventListener('keydown', onKey);
  }, [open]);
  const handOpen = hand.hand !== null && hand.hand.closedAt === null;
  const title = policy.chat ? 'Chat with the proctor' : 'Messages from the proctors';
  const label = policy.chat ? 'Chat' : 'Messages';
  // Opened from elsewhere on the page: the text area, or the hand's note form.
  const handOpenRef = useRef(handOpen);
  useEffect(() => {
    handOpenRef.current = handOpen;
  });
  useEffect(() => {
    if (openRequest) showRef.current(true, openRequest.ask && !handOpenRef.current);
  }, [openRequest]);

  return (
    <>
      <aside
        className={`chat-dock${open ? ' is-open' : ''}${raised && !blocked ? ' is-raised' : ''}`}
        aria-label="Chat and help"
        inert={blocked}
      >
        <div className="chat-rail">
          <button
            ref={toggle}
            type="button"
            className="button secondary chat-toggle"
            // The visible words first, then the count: "Chat, 2 unread".
            aria-label={unread > 0 ? `${label}, ${unread} unread` : undefined}
            aria-expanded={open}
            aria-controls={`${id}-panel`}
            onClick={() => show(!open)}
          >
            {label}
            {unread > 0 ? (
              <span className="chat-badge" aria-hidden="true">
                {unread}
              </span>
            ) : null}
          </button>
          {policy.raiseHand ? (
            <button
              type="button"
              className={`button secondary chat-hand-button${handOpen ? ' is-raised' : ''}`}
              onClick={() => show(true, !handOpen)}
            >
              {handOpen ? 'Hand raised' : 'Raise hand'}
            </button>
          ) : null}
        </div>
        <section
          id={`${id}-panel`}
          className="chat-panel"
          hidden={!open}
          aria-labelledby={`${id}-title`}
          aria-describedby={policy.chat ? undefined : `${id}-off`}
          ref={panel}
        >
          <div className="chat-panel-head">
            <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
              {title}
            </h2>
            <label className="chat-sound">
              <input
                type="checkbox"
                checked={!muted}
                onChange={(event) => setMuted(!event.target.checked)}
              />
              Sound
            </label>
            <button type="button" className="button secondary small" onClick={() => show(false)}>
              Close
            </button>
          </div>
          {policy.raiseHand ? <RaiseHand hand={hand} asking={asking} onAsking={setAsking} /> : null}
          {chat.loadError !== undefined ? (
            <p className="notice notice-error chat-load-error">
              The messages could not be loaded.{' '}
              <button type="button" className="link-button" onClick={chat.reload}>
                Try again
              </button>
            </p>
          ) : null}
          <ChatMessages
            messages={shown}
            active={open}
            empty={
              policy.chat
                ? 'No messages yet. Write to the proctor if you need help.'
                : 'No messages from the proctors yet.'
            }
          />
          {policy.chat ? (
            <ChatCompose onSend={chat.send} inputRef={input} />
          ) : (
            <p className="hint chat-off" id={`${id}-off`}>
              Chat is turned off for this exam: the proctors’ announcements and messages to you
              appear here, but you cannot reply.
              {policy.raiseHand ? ' Raise your hand if you need help.' : ''}
            </p>
          )}
        </section>
      </aside>
      {/* Outside the dock: heard even while a notice makes the dock inert. */}
      <div className="sr-only" aria-live="polite">
        <span key={chat.arrivals.batch}>{spokenArrivals(arrivals)}</span>
      </div>
    </>
  );
}
