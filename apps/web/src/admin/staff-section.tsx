import { useCallback, useState, type FormEvent } from 'react';
import type { StaffAssignment, StaffRole } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Field } from '../ui/field';
import { Section } from '../ui/page';
import { ErrorState, ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';

const ROLE_LABEL: Record<StaffRole, string> = { proctor: 'Proctor', instructor: 'Instructor' };

function AssignForm({
  examId,
  assigned,
  onAssigned,
  onFeedback,
}: {
  examId: string;
  assigned: readonly StaffAssignment[];
  onAssigned: () => void;
  onFeedback: (feedback: Feedback) => void;
}) {
  const [role, setRole] = useState<StaffRole>('proctor');
  const [userId, setUserId] = useState('');
  const [pending, setPending] = useState(false);
  // The server lists only active accounts of the role, and only to those who may manage the exam.
  const load = useCallback(
    (signal: AbortSignal) => examsApi.staffCandidates(examId, role, signal),
    [examId, role],
  );
  const candidates = useResource(load);
  const taken = new Set(assigned.map((a) => a.userId));
  const options = (candidates.loading ? [] : (candidates.data ?? [])).filter(
    (u) => !taken.has(u.id),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = options.find((u) => u.id === userId);
    if (!user) return;
    setPending(true);
    try {
      await examsApi.assignStaff(examId, user.id, role);
      onFeedback({ tone: 'success', text: `${user.name} assigned as ${role}.` });
      setUserId('');
      onAssigned();
    } catch (error) {
      onFeedback({ tone: 'error', text: `Could not assign ${user.name}: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Assign staff">
      <Field label="Role">
        {(c) => (
          <select
            {...c}
            value={role}
            onChange={(e) => {
              setRole(e.target.value as StaffRole);
              setUserId('');
            }}
          >
            <option value="proctor">Proctor</option>
            <option value="instructor">Instructor</option>
          </select>
        )}
      </Field>
      <Field label="Person" className="grow">
        {(c) => (
          <select
            {...c}
            value={userId}
            aria-busy={candidates.loading}
            disabled={candidates.loading || options.length === 0}
            onChange={(e) => setUserId(e.target.value)}
          >
            <option value="">
              {candidates.loading
                ? 'Loading…'
                : options.length === 0
                  ? `No ${role}s available`
                  : `Choose a ${role}`}
            </option>
            {options.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        )}
      </Field>
      <button type="submit" className="button primary" disabled={pending || !userId}>
        {pending ? 'Assigning…' : 'Assign'}
      </button>
      {candidates.error ? (
        <ErrorState error={candidates.error} onRetry={candidates.reload} />
      ) : null}
    </form>
  );
}

/**
 * The staff assigned to an exam; those who may manage it (its instructors, admins) can assign
 * and remove proctors and instructors.
 */
export function StaffSection({ examId, canManage }: { examId: string; canManage: boolean }) {
  const load = useCallback((signal: AbortSignal) => examsApi.staff(examId, signal), [examId]);
  const staff = useResource(load);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const remove = async (assignment: StaffAssignment) => {
    setRemoving(assignment.userId);
    setFeedback(null);
    try {
      await examsApi.removeStaff(examId, assignment.userId);
      setFeedback({ tone: 'success', text: `${assignment.name} removed from this exam.` });
      staff.reload();
    } catch (error) {
      setFeedback({ tone: 'error', text: `Could not remove: ${describeError(error)}` });
    } finally {
      setRemoving(null);
    }
  };

  const columns: Column<StaffAssignment>[] = [
    { header: 'Name', cell: (a) => <span id={`staff-${a.userId}`}>{a.name}</span> },
    { header: 'E-mail', cell: (a) => <span className="break">{a.email}</span> },
    { header: 'Exam role', cell: (a) => ROLE_LABEL[a.role] },
    { header: 'Assigned', cell: (a) => formatDateTime(a.assignedAt) },
  ];
  if (canManage) {
    columns.push({
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (a) => (
        <ConfirmButton
          label="Remove"
          question={`Remove ${a.name}?`}
          confirmLabel="Remove"
          className="button danger small"
          pending={removing === a.userId}
          pendingLabel="Removing…"
          disabled={removing !== null}
          describedBy={`staff-${a.userId}`}
          onConfirm={() => void remove(a)}
        />
      ),
    });
  }

  return (
    <Section title="Staff" id="staff">
      <StatusMessage feedback={feedback} />
      <ResourceView resource={staff} empty="No staff are assigned to this exam yet.">
        {(list) => (
          <Table caption="Exam staff" columns={columns} rows={list} rowKey={(a) => a.userId} />
        )}
      </ResourceView>
      {canManage && staff.data ? (
        <AssignForm
          examId={examId}
          assigned={staff.data}
          onAssigned={staff.reload}
          onFeedback={setFeedback}
        />
      ) : null}
    </Section>
  );
}
