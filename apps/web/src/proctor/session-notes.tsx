import { useCallback, useId, useState, type FormEvent } from 'react';
import { proctorApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { sessionQueryKeys } from './live-detail-refresh';

/** Proctor notes on a session: the list, oldest first, and a form to add one. */
export function SessionNotes({ sessionId }: { sessionId: string }) {
  const id = useId();
  const load = useCallback(
    (signal: AbortSignal) => proctorApi.notes(sessionId, signal),
    [sessionId],
  );
  // Shared with the timeline, which lists the notes among the events.
  const notes = useResource(load, { key: sessionQueryKeys.notes(sessionId) });
  const [body, setBody] = useState('');
  const [saving, setSaving] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const text = body.trim();
    if (!text) {
      setFeedback({ tone: 'error', text: 'Write the note first.' });
      return;
    }
    setSaving(true);
    setFeedback(null);
    try {
      const note = await proctorApi.addNote(sessionId, { body: text });
      notes.mutate((list) => [...(list ?? []), note]);
      setBody('');
      setFeedback({ tone: 'success', text: 'Note added.' });
    } catch (error) {
      setFeedback({ tone: 'error', text: describeError(error) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="session-notes">
      <ResourceView resource={notes} empty="No notes yet.">
        {(list) => (
          <ol className="pd-note-list" aria-label="Notes, oldest first">
            {list.map((note) => (
              <li key={note.id} className="pd-note">
                <p className="pd-note-body">{note.body}</p>
                <p className="muted small">
                  {note.author?.name ?? 'Someone'} · {formatDateTime(note.createdAt)}
                </p>
              </li>
            ))}
          </ol>
        )}
      </ResourceView>
      <form className="pd-note-form" onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor={`${id}-note`}>Add a note</label>
        <textarea
          id={`${id}-note`}
          rows={3}
          maxLength={5000}
          value={body}
          onChange={(event) => setBody(event.target.value)}
        />
        <button type="submit" className="button secondary small" disabled={saving}>
          {saving ? 'Saving…' : 'Add note'}
        </button>
      </form>
      <StatusMessage feedback={feedback} />
    </div>
  );
}
