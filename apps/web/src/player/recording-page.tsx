import { Link, useParams } from 'react-router-dom';
import { Page, Section } from '../ui/page';
import { RecordingPlayer } from './recording-player';

/** /admin/sessions/:id/recording — a session's recording for its exam's staff. */
export function RecordingPage() {
  const { id = '' } = useParams();
  return (
    <Page
      title="Session recording"
      intro="Webcam and screen play in sync. Opening a recording is written to the audit log."
    >
      <Section title="Recording" id="recording">
        <RecordingPlayer sessionId={id} />
      </Section>
      <p>
        <Link to="/proctor">Back to assigned exams</Link>
      </p>
    </Page>
  );
}
