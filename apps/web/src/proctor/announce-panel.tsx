import { useCallback, useId, useMemo, useRef, useState } from 'react';
import { CHAT_MAX_LENGTH, type ChatMessage, type SessionCounts } from '@invigil/contracts';
import { chatApi } from '../api/chat';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { StatusMessage } from '../ui/status-message';
import { useActionFeedback } from '../ui/use-action-feedback';
import { useResource } from '../ui/use-resource';
import { announcementReach } from './chat-model';
import { mergeChat } from './detail-model';

/** "the 3 students taking the exam now" / "the 1 student …" / nobody yet. */
function reachText(n: number): string {
  if (n === 0)
    return 'No student is taking the exam right now; students see it in their chat when they start.';
  return `It goes to the ${n} student${n === 1 ? '' : 's'} taking the exam now, and to anyone who starts later.`;
}

/**
 * "Announce to all students": one message to every student of the exam, after a
 * confirmation that says how many get it now; below, the announcements so far (newest
 * first), including those other proctors send (`live`, from the dashboard's feed).
 */
export function AnnouncePanel({
  examId,
  counts,
  live,
}: {
  examId: string;
  counts: SessionCounts;
  /** Announcements that arrived over the live connection since the page opened. */
  live: readonly ChatMessage[];
}) {
  const id = useId();
  const [body, setBody] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const { pending, feedback, setFeedback, run } = useActionFeedback<'send'>();
  const load = useCallback(
    (signal: AbortSignal) => chatApi.announcements(examId, signal),
    [examId],
  );
  const list = useResource(load);
  const reach = announcementReach(counts);
  const text = body.trim();

  const all = useMemo(() => mergeChat(list.data ?? [], live).reverse(), [list.data, live]);

  const send = async () => {
    if (!text) {
      setFeedback({ tone: 'error', text: 'Write the announcement first.' });
      box.current?.focus();
      return;
    }
    await run('send', async () => {
      const sent = await chatApi.announce(examId, text);
      list.mutate((current) => mergeChat(current ?? [], [sent]));
      setBody('');
      return reach === 1
        ? 'Announcement sent to 1 student.'
        : `Announcement sent to ${reach} students.`;
    });
    // Back to the box for the next one, or to fix what was refused.
    box.current?.focus();
  };

  return (
    <section className="card announce-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="sr-only">
        Announcements
      </h2>
      <div className="announce-form">
        <label htmlFor={`${id}-body`}>Announce to all students</label>
        <textarea
          id={`${id}-body`}
          ref={box}
          rows={2}
          maxLength={CHAT_MAX_LENGTH}
          value={body}
          aria-describedby={`${id}-hint ${id}-count`}
          onChange={(event) => setBody(event.target.value)}
        />
        <div className="announce-actions">
          <p className="hint" id={`${id}-hint`}>
            {reachText(reach)}
          </p>
          <span className="muted small" id={`${id}-count`}>
            {body.length} / {CHAT_MAX_LENGTH}
            <span className="sr-only"> characters</span>
          </span>
          <ConfirmButton
            label="Announce to all students"
            question={
              reach === 0
                ? 'Send it? Nobody is taking the exam right now.'
                : `Send this to ${reach} student${reach === 1 ? '' : 's'}?`
            }
            confirmLabel="Send announcement"
            keepLabel="Not yet"
            className="button primary small"
            pending={pending === 'send'}
            pendingLabel="Sending…"
            disabled={!text}
            onConfirm={() => void send()}
          />
        </div>
        <StatusMessage feedback={feedback} />
      </div>
      <details className="announce-sent">
        <summary>Sent so far ({all.length})</summary>
        <ResourceView
          resource={{ ...list, data: list.data === undefined ? undefined : all }}
          empty="No announcements yet."
        >
          {(items) => (
            <ol className="announce-list" aria-label="Announcements, newest first">
              {items.map((m) => (
                <li key={m.id} className="announce-item">
                  <p className="announce-body">{m.body}</p>
                  <p className="muted small">
                    {m.author?.name ?? 'Staff'} · {formatDateTime(m.createdAt)}
                  </p>
                </li>
              ))}
            </ol>
          )}
        </ResourceView>
      </details>
    </section>
  );
}
