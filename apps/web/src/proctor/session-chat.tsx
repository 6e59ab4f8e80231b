import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import { useLocation } from 'react-router-dom';
import { CHAT_MAX_LENGTH, type ChatMessage, type HelpRequest } from '@invigil/contracts';
import { ApiError } from '../api/client';
import { chatApi } from '../api/chat';
import { describeError } from '../api/errors';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { handText, isOpenHand } from './chat-model';
import { mergeChat } from './detail-model';
import { HandActions } from './hand-alert';
import './session-chat.css';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Who a message is from, as the thread labels it. */
function sender(message: ChatMessage, studentName: string): string {
  if (message.kind === 'announcement') return `Announcement by ${message.author?.name ?? 'staff'}`;
  if (message.from === 'student') return message.author?.name ?? studentName;
  return message.author?.name ?? 'Staff';
}

/** A refused message, said so the proctor knows what to do next. */
function sendError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'CHAT_RATE_LIMITED') {
    const wait = error.retryAfterSeconds;
    return `Too many messages in a short time. ${wait ? `Wait ${wait} s` : 'Wait a moment'}, then send again; your text is kept.`;
  }
  return describeError(error);
}

/**
 * Marks the thread read up to `seq` while it is on screen and the tab is visible, once per
 * new seq (the server's mark never moves back, so a late duplicate does no harm).
 */
function useMarkRead(sessionId: string, seq: number, target: RefObject<HTMLElement | null>) {
  const marked = useRef(0);
  const [onScreen, setOnScreen] = useState(false);
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const el = target.current;
    if (!el || typeof IntersectionObserver !== 'function') return;
    const observer = new IntersectionObserver((entries) =>
      setOnScreen(entries.some((e) => e.isIntersecting)),
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [target]);
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  useEffect(() => {
    if (!onScreen || !visible || seq <= marked.current) return;
    marked.current = seq;
    chatApi.markRead(sessionId, seq).catch(() => {
      // Not fatal: the badge stays until the next try.
      marked.current = 0;
    });
  }, [sessionId, seq, onScreen, visible]);
}

/**
 * The session's chat on its detail page: the thread (the student's and staff messages and the
 * exam's announcements, oldest first, as plain text), live, marked read while on screen; a
 * form to answer (Enter sends, Shift+Enter a new line); the student's open raised hand. The
 * address `#chat` (from "Open chat") scrolls here and puts the cursor in the message box.
 */
export function SessionChat({
  sessionId,
  studentName,
  live,
  hands,
  meId,
  canAct,
  onHand,
}: {
  sessionId: string;
  studentName: string;
  /** Messages that arrived over the live connection (the detail state's `chat`). */
  live: readonly ChatMessage[];
  /** This session's raised hands, newest first. */
  hands: readonly HelpRequest[];
  meId: string;
  /** Only the exam's proctors and admins may write. */
  canAct: boolean;
  onHand: (hand: HelpRequest) => void;
}) {
  const id = useId();
  const location = useLocation();
  const load = useCallback((signal: AbortSignal) => chatApi.thread(sessionId, signal), [sessionId]);
  const thread = useResource(load);
  const [body, setBody] = useState('');
  const [sending, setSending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [heard, setHeard] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);

  const messages = useMemo(
    () => mergeChat(thread.data?.messages ?? [], live),
    [thread.data?.messages, live],
  );
  const lastSeq = messages.at(-1)?.seq ?? 0;
  // Only those who answer mark read: an instructor looking in must not hide a student's message.
  useMarkRead(sessionId, thread.data && canAct ? lastSeq : 0, wrapper);

  // A student's message that came live is read out (never the proctor's own).
  const spoken = useRef(new Set<string>());
  useEffect(() => {
    const fresh = live.filter((m) => m.from === 'student' && !spoken.current.has(m.id));
    for (const m of live) spoken.current.add(m.id);
    const newest = fresh.at(-1);
    if (newest) setHeard(`${sender(newest, studentName)} wrote: ${newest.body}`);
  }, [live, studentName]);

  // Keep the newest message in view.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lastSeq]);

  // "Open chat" links land here: bring the chat into view and the cursor into the box.
  useEffect(() => {
    if (location.hash !== '#chat') return;
    wrapper.current?.scrollIntoView({ block: 'start' });
    box.current?.focus({ preventScroll: true });
  }, [location.hash, location.key]);

  const send = async () => {
    const text = body.trim();
    if (!text) {
      setFeedback({ tone: 'error', text: 'Write a message first.' });
      return;
    }
    setSending(true);
    setFeedback(null);
    try {
      const sent = await chatApi.send(sessionId, text);
      thread.mutate((current) =>
        current ? { ...current, messages: mergeChat(current.messages, [sent]) } : current,
      );
      setBody('');
    } catch (error) {
      setFeedback({ tone: 'error', text: sendError(error) });
    } finally {
      setSending(false);
      box.current?.focus();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!sending) void send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (!sending) void send();
    }
  };

  const openHand = hands.find(isOpenHand);
  return (
    <div id="chat" ref={wrapper} className="pd-session-chat">
      {openHand ? (
        <div className="pd-alert pd-hand pd-chat-hand" role="group" aria-labelledby={`${id}-hand`}>
          <p className="pd-alert-title">
            <span className="pd-hand-badge">Hand</span>{' '}
            <strong id={`${id}-hand`}>{handText(openHand)}</strong>
          </p>
          {canAct ? (
            <HandActions
              hand={openHand}
              meId={meId}
              describedBy={`${id}-hand`}
              onHand={onHand}
              withChatLink={false}
              onDone={() => box.current?.focus()}
            />
          ) : null}
        </div>
      ) : null}
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {heard}
      </div>
      <ResourceView resource={thread}>
        {() =>
          messages.length === 0 ? (
            <p className="muted small pd-chat-empty">No messages yet.</p>
          ) : (
            // Focusable so keyboard users can scroll a long thread (it holds nothing focusable).
            <div
              ref={list}
              className="pd-chat-scroll"
              // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
              tabIndex={0}
              role="region"
              aria-label={`Chat with ${studentName}, oldest first`}
            >
              <ol className="pd-chat-thread">
                {messages.map((m) => (
                  <li
                    key={m.id}
                    className={`pd-chat-msg pd-chat-from-${m.kind === 'announcement' ? 'announcement' : m.from}`}
                  >
                    <p className="pd-chat-meta small">
                      <strong>{sender(m, studentName)}</strong>{' '}
                      <time dateTime={m.createdAt}>{timeFormat.format(new Date(m.createdAt))}</time>
                    </p>
                    <p className="pd-chat-body">{m.body}</p>
                  </li>
                ))}
              </ol>
            </div>
          )
        }
      </ResourceView>
      {canAct ? (
        <form className="pd-chat-form" onSubmit={onSubmit}>
          <label htmlFor={`${id}-body`}>Message to {studentName}</label>
          <textarea
            id={`${id}-body`}
            ref={box}
            rows={2}
            maxLength={CHAT_MAX_LENGTH}
            value={body}
            aria-describedby={`${id}-hint ${id}-count`}
            onChange={(event) => setBody(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <div className="pd-chat-form-row">
            <span className="hint" id={`${id}-hint`}>
              Enter sends, Shift+Enter starts a new line.
            </span>
            <span className="muted small" id={`${id}-count`}>
              {body.length} / {CHAT_MAX_LENGTH}
            </span>
            <button type="submit" className="button primary small" disabled={sending}>
              {sending ? 'Sending…' : 'Send'}
            </button>
          </div>
          <StatusMessage feedback={feedback} />
        </form>
      ) : (
        <p className="muted small">Only the exam’s proctors and admins can write here.</p>
      )}
    </div>
  );
}
