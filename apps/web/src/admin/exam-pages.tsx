import { useCallback, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import type { CreateExamBody, Exam } from '@invigil/contracts';
import { examsApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { useUser } from '../auth/session';
import { ExamStatusBadge } from '../exams/badges';
import { Roster } from '../exams/roster';
import { ConfirmButton } from '../ui/confirm-button';
import { FormErrors } from '../ui/field';
import { Page, Section } from '../ui/page';
import { PageContents, type ContentsItem } from '../ui/page-contents';
import { ErrorState, Loading } from '../ui/states';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { splitExamErrors } from './exam-errors';
import { ExamForm } from './exam-form';
import { changedFields, emptyExamForm, examToForm } from './exam-form-model';
import { LegalHoldBadge, LegalHoldPanel } from './legal-hold-panel';
import { LtiExamPanel } from './lti-exam-panel';
import { QuestionsSection } from './questions-section';
import { ScoresReleaseSection } from './scores-release-section';
import { StaffSection } from './staff-section';

function invalidFeedback(errors: Record<string, string>): Feedback {
  const n = Object.keys(errors).length;
  return { tone: 'error', text: `Please correct ${n} field${n === 1 ? '' : 's'} marked below.` };
}

const backLink = (
  <Link to="/admin/exams" className="button secondary">
    All exams
  </Link>
);

/** /admin/exams/new: create an exam. */
export function NewExamPage() {
  const navigate = useNavigate();
  const [initial] = useState(() => emptyExamForm(new Date()));
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string[]>([]);

  const create = async (body: Required<CreateExamBody>) => {
    setPending(true);
    setFeedback(null);
    setSummary([]);
    try {
      const exam = await examsApi.create(body);
      navigate(`/admin/exams/${exam.id}`, { state: { created: true } });
    } catch (error) {
      const split = splitExamErrors(error);
      setFields(split.fields);
      setSummary(split.summary);
      setFeedback({ tone: 'error', text: `The exam was not created: ${describeError(error)}` });
      setPending(false);
    }
  };

  return (
    <Page title="New exam" actions={backLink}>
      <StatusMessage feedback={feedback} />
      <FormErrors messages={summary} />
      <ExamForm
        initial={initial}
        submitLabel="Create exam"
        pending={pending}
        serverErrors={fields}
        onInvalid={(errors) => setFeedback(invalidFeedback(errors))}
        onSubmit={(body) => void create(body)}
      />
    </Page>
  );
}

/** The parts of an exam's page, in order (LMS only shows for an exam with a course link). */
const EXAM_CONTENTS: readonly ContentsItem[] = [
  { id: 'exam-details', label: 'Details' },
  { id: 'exam-schedule', label: 'Schedule' },
  { id: 'exam-policy', label: 'Proctoring policy' },
  { id: 'detection-rules', label: 'Detection rules' },
  { id: 'exam-retention', label: 'Data retention' },
  { id: 'questions-heading', label: 'Questions' },
  { id: 'staff-heading', label: 'Staff' },
  { id: 'roster-heading', label: 'Roster' },
  { id: 'scores-heading', label: 'Scores' },
  { id: 'lms-heading', label: 'LMS' },
  { id: 'legal-hold-heading', label: 'Legal hold' },
];

function ExamEditor({ exam, onSaved }: { exam: Exam; onSaved: (exam: Exam) => void }) {
  const user = useUser();
  const location = useLocation();
  const justCreated = (location.state as { created?: boolean } | null)?.created === true;
  const [pending, setPending] = useState<'save' | 'archive' | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(
    justCreated ? { tone: 'success', text: `${exam.title} created.` } : null,
  );
  const [fields, setFields] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string[]>([]);
  const archived = exam.status === 'archived';

  const save = async (body: Required<CreateExamBody>) => {
    const patch = changedFields(exam, body);
    if (Object.keys(patch).length === 0) {
      setFeedback({ tone: 'info', text: 'There are no changes to save.' });
      return;
    }
    setPending('save');
    setFeedback(null);
    setSummary([]);
    try {
      const saved = await examsApi.update(exam.id, patch);
      setFields({});
      onSaved(saved);
      setFeedback({ tone: 'success', text: 'Changes saved.' });
    } catch (error) {
      const split = splitExamErrors(error);
      setFields(split.fields);
      setSummary(split.summary);
      setFeedback({ tone: 'error', text: `Not saved: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const archive = async () => {
    setPending('archive');
    setFeedback(null);
    try {
      onSaved(await examsApi.archive(exam.id));
      setFeedback({ tone: 'success', text: `${exam.title} is archived.` });
    } catch (error) {
      setFeedback({ tone: 'error', text: `Not archived: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const actions = (
    <>
      {backLink}
      {archived ? null : (
        <ConfirmButton
          label="Archive"
          question="Archive this exam? It becomes read-only."
          confirmLabel="Archive"
          pending={pending === 'archive'}
          pendingLabel="Archiving…"
          disabled={pending !== null}
          onConfirm={() => void archive()}
        />
      )}
    </>
  );

  return (
    <Page
      title={exam.title}
      intro={
        <>
          <ExamStatusBadge status={exam.status} />
          {exam.legalHold ? (
            <>
              {' '}
              <LegalHoldBadge />
            </>
          ) : null}{' '}
          · {exam.registeredCount} of {exam.capacity} seats taken
        </>
      }
      actions={actions}
    >
      <PageContents items={EXAM_CONTENTS} />
      <StatusMessage feedback={feedback} />
      {archived ? <Notice>This exam is archived and can no longer be changed.</Notice> : null}
      <FormErrors messages={summary} />
      <ExamForm
        key={exam.updatedAt}
        initial={examToForm(exam)}
        submitLabel="Save changes"
        pending={pending === 'save'}
        readOnly={archived}
        serverErrors={fields}
        onInvalid={(errors) => setFeedback(invalidFeedback(errors))}
        onSubmit={(body) => void save(body)}
      />
      <QuestionsSection examId={exam.id} readOnly={archived} />
      {/* Instructors see only the exams they manage; the server checks each change again. */}
      <StaffSection
        examId={exam.id}
        canManage={(user.role === 'admin' || user.role === 'instructor') && !archived}
      />
      <Section title="Roster" id="roster">
        <Roster
          examId={exam.id}
          examTitle={exam.title}
          answersLink
          extraTime={!archived}
          policy={exam.policy}
        />
      </Section>
      <ScoresReleaseSection examId={exam.id} />
      <LtiExamPanel examId={exam.id} canManage={!archived} />
      <Section title="Legal hold" id="legal-hold">
        <LegalHoldPanel
          target="exam"
          id={exam.id}
          hold={exam.legalHold}
          canManage={user.role === 'admin'}
          onChange={(legalHold) => onSaved({ ...exam, legalHold })}
        />
      </Section>
    </Page>
  );
}

/** /admin/exams/:id: edit an exam, archive it, manage its staff and see its roster. */
export function EditExamPage() {
  const { id = '' } = useParams();
  const load = useCallback((signal: AbortSignal) => examsApi.get(id, signal), [id]);
  const exam = useResource(load);

  if (exam.data === undefined || exam.data.id !== id) {
    return (
      <Page title="Exam" actions={backLink}>
        {exam.error ? <ErrorState error={exam.error} onRetry={exam.reload} /> : <Loading />}
      </Page>
    );
  }
  return <ExamEditor exam={exam.data} onSaved={(saved) => exam.mutate(() => saved)} />;
}
