import { useCallback, useState } from 'react';
import type { MyRegistration, OpenExam } from '@invigil/contracts';
import { studentApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { queryKeys } from '../api/query-keys';
import { Page, Section } from '../ui/page';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { localTimeZone } from '../lib/datetime';
import { SignupPendingNotice } from '../account/signup-pending-notice';
import { useUser } from '../auth/session';
import { MyExams } from './my-exams';
import { OpenExams } from './open-exams';

/** /student: the student's registrations and the catalogue of exams open for registration. */
export function StudentHome() {
  const user = useUser();
  const loadMine = useCallback((signal: AbortSignal) => studentApi.myRegistrations(signal), []);
  const loadOpen = useCallback((signal: AbortSignal) => studentApi.openExams(signal), []);
  const mine = useResource(loadMine, { key: queryKeys.myRegistrations });
  const open = useResource(loadOpen, { key: queryKeys.openExams });
  const [pending, setPending] = useState<string | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const register = async (exam: OpenExam) => {
    setPending(exam.id);
    setFeedback(null);
    try {
      await studentApi.register(exam.id);
      setFeedback({ tone: 'success', text: `Registered for ${exam.title}.` });
    } catch (error) {
      setFeedback({
        tone: 'error',
        text: `Could not register for ${exam.title}: ${describeError(error)}`,
      });
    } finally {
      setPending(null);
      mine.reload();
      open.reload();
    }
  };

  const cancel = async (registration: MyRegistration) => {
    setPending(registration.id);
    setFeedback(null);
    try {
      await studentApi.cancel(registration.id);
      setFeedback({
        tone: 'success',
        text: `Cancelled your registration for ${registration.exam.title}.`,
      });
    } catch (error) {
      setFeedback({
        tone: 'error',
        text: `Could not cancel ${registration.exam.title}: ${describeError(error)}`,
      });
    } finally {
      setPending(null);
      mine.reload();
      open.reload();
    }
  };

  const registeredExamIds = new Set(
    (mine.data ?? []).filter((r) => r.status === 'active').map((r) => r.examId),
  );

  return (
    <Page title="My exams" intro={`Times are shown in your time zone (${localTimeZone()}).`}>
      <SignupPendingNotice user={user} />
      <StatusMessage feedback={feedback} className="sticky-status" />
      <Section title="My registrations" id="my-registrations">
        <MyExams
          resource={mine}
          pending={pending}
          onCancel={(registration) => void cancel(registration)}
        />
      </Section>
      <Section title="Open exams" id="open-exams">
        <OpenExams
          resource={open}
          pending={pending}
          registeredExamIds={registeredExamIds}
          onRegister={(exam) => void register(exam)}
        />
      </Section>
    </Page>
  );
}
