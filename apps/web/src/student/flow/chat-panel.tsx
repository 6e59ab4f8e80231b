import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CHAT_MAX_LENGTH, type ChatMessage } from '@invigil/contracts';
import { authorLabel, describeSendError } from './chat-model';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * The messages, oldest first, as plain text (React text nodes: a message with markup shows
 * the markup). Keeps the newest in view as messages arrive and when the panel opens.
 */
export function ChatMessages({
  messages,
  active,
  empty,
}: {
  messages: ChatMessage[];
  /** The panel is shown (a hidden list cannot scroll). */
  active: boolean;
  empty: string;
}) {
  const list = useRef<HTMLOListElement>(null);
  const last = messages.at(-1)?.id;
  useEffect(() => {
    const el = list.current;
    if (el && active) el.scrollTop = el.scrollHeight;
  }, [last, active]);
  // Stays at the newest while the list shrinks (an error under the text area), unless the
  // student scrolled up to read.
  const hasList = messages.length > 0;
  useEffect(() => {
    const el = list.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let pinned = true;
    const onScroll = () => {
      pinned = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    };
    const observer = new ResizeObserver(() => {
      if (pinned) el.scrollTop = el.scrollHeight;
    });
    el.addEventListener('scroll', onScroll);
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      observer.disconnect();
    };
  }, [hasList]);
  if (messages.length === 0) return <p className="chat-empty">{empty}</p>;
  return (
    // Focusable so keyboard users can scroll a long thread (it holds nothing focusable).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <ol className="chat-messages" aria-label="Messages" ref={list} tabIndex={0}>
      {messages.map((m) => (
        <li
          key={m.id}
          className={`chat-message chat-from-${m.from}${
            m.kind === 'announcement' ? ' chat-announcement' : ''
          }`}
        >
          <p className="chat-meta">
            <span className="chat-author">{authorLabel(m)}</span>{' '}
            <time dateTime={m.createdAt}>{timeFormat.format(new Date(m.createdAt))}</time>
          </p>
          <p className="chat-body">{m.body}</p>
        </li>
      ))}
    </ol>
  );
}

/**
 * Writing a message: a labelled text area with a character counter; Enter sends, Shift+Enter
 * starts a new line. A refused or failed send says why and keeps the draft.
 */
export function ChatCompose({
  onSend,
  inputRef,
}: {
  onSend: (body: string) => Promise<unknown>;
  inputRef?: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const id = useId();
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const text = draft.trim();

  const send = async () => {
    if (sending || !text) return;
    setSending(true);
    setError(null);
    try {
      await onSend(text);
      setDraft('');
    } catch (err) {
      setError(describeSendError(err));
    } finally {
      setSending(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };
  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing a character.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void send();
  };

  return (
    <form className="chat-compose" onSubmit={submit} aria-busy={sending}>
      <label htmlFor={`${id}-text`}>Message to the proctor</label>
      <textarea
        id={`${id}-text`}
        ref={inputRef}
        rows={2}
        value={draft}
        maxLength={CHAT_MAX_LENGTH}
        aria-describedby={`${id}-hint ${id}-count${error ? ` ${id}-error` : ''}`}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={keyDown}
      />
      <div className="chat-compose-row">
        <p id={`${id}-hint`} className="hint">
          Enter sends, Shift+Enter adds a line.
        </p>
        <p id={`${id}-count`} className="hint chat-count">
          {draft.length} / {CHAT_MAX_LENGTH}
          <span className="sr-only"> characters</span>
        </p>
      </div>
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button primary small" disabled={sending || !text}>
        {sending ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}
