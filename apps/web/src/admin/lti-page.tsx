import { useCallback, useEffect, useRef, useState } from 'react';
import type { LtiPlatform } from '@invigil/contracts';
import { ltiApi } from '../api/lti-api';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Page, Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { LtiPlatformFormView } from './lti-platform-form';
import { ADMIN_ROLE_LABELS, INSTRUCTOR_ROLE_LABELS } from './lti-platform-model';
import { LtiRegistrationInviteSection } from './lti-registration-invite';
import { LtiToolKeysSection, LtiToolUrlsSection } from './lti-tool-details';
import './lti.css';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * /admin/lti: Invigil as an LTI 1.3 tool — what to copy into an LMS, the signing keys, a
 * dynamic registration URL, and the platform registrations (list, add, edit, delete).
 */
export function LtiPage() {
  const loadTool = useCallback((signal: AbortSignal) => ltiApi.tool(signal), []);
  const tool = useResource(loadTool);
  const loadPlatforms = useCallback(
    (signal: AbortSignal) => ltiApi.platforms(signal).then((r) => r.platforms),
    [],
  );
  const platforms = useResource(loadPlatforms);
  const [editing, setEditing] = useState<LtiPlatform | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  // A new registration starts from a fresh form (and a closed "fill in" helper).
  const [newForms, setNewForms] = useState(0);
  const formSection = useRef<HTMLDivElement>(null);
  const listSection = useRef<HTMLDivElement>(null);

  // Editing moves the form's section into view and focus, for keyboard users.
  useEffect(() => {
    if (!editing) return;
    const node = formSection.current;
    node?.scrollIntoView({ block: 'start' });
    node?.querySelector<HTMLElement>('input')?.focus({ preventScroll: true });
  }, [editing]);

  const onSaved = (saved: LtiPlatform, created: boolean) => {
    platforms.mutate((list) =>
      created ? [...(list ?? []), saved] : list?.map((p) => (p.id === saved.id ? saved : p)),
    );
    setEditing(null);
    if (created) setNewForms((n) => n + 1);
    // Back to the list, where the saved registration and the message are.
    listSection.current?.scrollIntoView({ block: 'start' });
    setFeedback({
      tone: 'success',
      text: created
        ? `${saved.name} registered. Its launches are accepted from now on.`
        : `${saved.name} saved.`,
    });
  };

  const remove = async (p: LtiPlatform) => {
    setDeleting(p.id);
    setFeedback(null);
    try {
      await ltiApi.removePlatform(p.id);
      platforms.mutate((list) => list?.filter((x) => x.id !== p.id));
      if (editing?.id === p.id) setEditing(null);
      setFeedback({ tone: 'success', text: `${p.name} deleted; its launches are refused now.` });
    } catch (error) {
      setFeedback({ tone: 'error', text: `${p.name} not deleted: ${describeError(error)}` });
    } finally {
      setDeleting(null);
    }
  };

  const columns: Column<LtiPlatform>[] = [
    {
      header: 'Platform',
      cell: (p) => (
        <>
          <strong id={`lti-platform-${p.id}`}>{p.name}</strong>
          <span className="mono small block break">{p.issuer}</span>
          <span className="muted small block">
            Client ID <span className="mono">{p.clientId}</span>
          </span>
        </>
      ),
    },
    {
      header: 'Deployments',
      cell: (p) => (
        <ul className="plain-list small mono">
          {p.deploymentIds.map((d) => (
            <li key={d} className="break">
              {d}
            </li>
          ))}
        </ul>
      ),
    },
    {
      header: 'Roles',
      cell: (p) => (
        <span className="small">
          Instructors → {INSTRUCTOR_ROLE_LABELS[p.instructorRole].split(' (')[0]}
          <span className="block">
            Administrators → {ADMIN_ROLE_LABELS[p.adminRole].split(' (')[0]}
          </span>
        </span>
      ),
    },
    {
      header: 'Use',
      cell: (p) => (
        <span className="small">
          {plural(p.linkCount, 'course link')}
          <span className="muted block">
            {p.createdVia === 'dynamic' ? 'Registered itself' : 'Added by hand'},{' '}
            <time dateTime={p.createdAt}>{formatDateTime(p.createdAt)}</time>
          </span>
        </span>
      ),
    },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions lti-actions',
      cell: (p) => (
        <div className="row-actions">
          <button
            type="button"
            className="button secondary small"
            aria-describedby={`lti-platform-${p.id}`}
            aria-pressed={editing?.id === p.id}
            disabled={deleting !== null}
            onClick={() => setEditing(p)}
          >
            Edit
          </button>
          <ConfirmButton
            label="Delete"
            question={
              p.linkCount > 0
                ? `Delete ${p.name}? Its ${plural(p.linkCount, 'course link')} stop working; exams and results stay.`
                : `Delete ${p.name}? Its launches will be refused.`
            }
            confirmLabel="Delete"
            className="button danger small"
            pending={deleting === p.id}
            pendingLabel="Deleting…"
            disabled={deleting !== null}
            describedBy={`lti-platform-${p.id}`}
            onConfirm={() => void remove(p)}
          />
        </div>
      ),
    },
  ];

  return (
    <Page
      title="LMS (LTI)"
      intro="Connect learning platforms (Moodle, Canvas, Brightspace, Blackboard) with LTI 1.3: instructors place exams in their courses, students arrive signed in, rosters and scores flow back."
    >
      <div ref={listSection}>
        <Section title="Platforms" id="lti-platforms">
          <StatusMessage feedback={feedback} />
          <ResourceView
            resource={platforms}
            empty="No learning platform is registered yet. Make a dynamic registration URL, or add one by hand below."
          >
            {(list) => (
              <Table
                caption="Registered learning platforms"
                columns={columns}
                rows={list}
                rowKey={(p) => p.id}
              />
            )}
          </ResourceView>
        </Section>
      </div>
      <LtiRegistrationInviteSection />
      <LtiToolUrlsSection tool={tool} />
      <div ref={formSection}>
        <Section
          title={editing ? `Edit ${editing.name}` : 'Add a platform by hand'}
          id="lti-platform-form"
        >
          <LtiPlatformFormView
            key={editing?.id ?? `new-${newForms}`}
            editing={editing}
            onSaved={onSaved}
            onCancel={editing ? () => setEditing(null) : undefined}
            onStart={() => setFeedback(null)}
          />
        </Section>
      </div>
      <LtiToolKeysSection tool={tool} />
    </Page>
  );
}
