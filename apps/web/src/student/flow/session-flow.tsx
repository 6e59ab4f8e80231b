import { useCallback, useMemo } from 'react';
import { Link, Outlet, useParams } from 'react-router-dom';
import type { ExamSession, MyRegistration } from '@invigil/contracts';
import { ROLE_LABELS } from '../../auth/role-labels';
import { useUser } from '../../auth/session';
import { captureSessionFor } from '../../capture/capture-session';
import { Page } from '../../ui/page';
import { ErrorState, Loading } from '../../ui/states';
import { useResource } from '../../ui/use-resource';
import { attemptApi, policyOf } from '../api';
import { CheckIn } from './check-in';
import { Confirmation } from './confirmation';
import { ExamRoom } from './exam-room';
import { TerminationNotice } from './intervention-ended';
import './flow.css';

interface Loaded {
  session: ExamSession;
  registration: MyRegistration | null;
}

/**
 * /student/sessions/:sessionId — one exam attempt from check-in to confirmation. What is
 * shown follows the session's state: check-in (consent, system check, identity, room scan),
 * the exam, the confirmation, or the end by a proctor.
 */
export function SessionFlowPage() {
  const { sessionId = '' } = useParams();
  const load = useCallback(
    async (signal: AbortSignal): Promise<Loaded> => {
      const [session, registration] = await Promise.all([
        attemptApi.session(sessionId, signal),
        attemptApi.registration(sessionId, signal),
      ]);
      return { session, registration };
    },
    [sessionId],
  );
  const resource = useResource(load);
  const { data, error, reload, mutate } = resource;
  const registration = data?.registration ?? null;
  const policy = useMemo(() => policyOf(registration), [registration]);
  const capture = useMemo(
    () => (sessionId ? captureSessionFor(sessionId, policy) : null),
    [sessionId, policy],
  );
  const onSession = useCallback(
    (session: ExamSession) => mutate((prev) => (prev ? { ...prev, session } : prev)),
    [mutate],
  );

  if (!data) {
    return (
      <Page title="Exam">
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : (
          <Loading label="Loading your exam…" />
        )}
        <p>
          <Link to="/student">Back to My exams</Link>
        </p>
      </Page>
    );
  }
  if (!capture) return null;
  const { session } = data;
  const title = registration?.exam.title ?? 'Exam';
  switch (session.state) {
    case 'registered':
    case 'checking_in':
      return (
        <CheckIn
          title={title}
          session={session}
          registration={registration}
          policy={policy}
          capture={capture}
          onSession={onSession}
        />
      );
    case 'in_progress':
    case 'paused':
      return (
        <ExamRoom
          title={title}
          session={session}
          policy={policy}
          capture={capture}
          onSession={onSession}
        />
      );
    default:
      return (
        <Confirmation title={title} session={session} capture={capture}>
          {session.state === 'terminated' || session.supersededAt ? (
            <TerminationNotice session={session} onSession={onSession} />
          ) : null}
        </Confirmation>
      );
  }
}

/** The focused layout of an exam attempt: no navigation to wander off to. */
export function ExamShell() {
  const user = useUser();
  return (
    <div className="app exam-app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header exam-header">
        <div className="header-inner">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Invigil
          </span>
          <span className="user-name exam-user">
            {user.name}
            <span className="user-role">{ROLE_LABELS[user.role]}</span>
          </span>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
