import { useState } from 'react';
import type { ExamGradesRelease } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { gradingApi } from '../api/grading';
import { ConfirmButton } from '../ui/confirm-button';
import { Section } from '../ui/page';
import { StatusMessage, type Feedback } from '../ui/status-message';

const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/** What a release did, in words: every count is said, even zero released. */
export function describeRelease(r: ExamGradesRelease): Feedback {
  const parts = [
    r.released > 0 ? `Scores released for ${attempts(r.released)}.` : 'No new score was released.',
  ];
  if (r.pendingGrading > 0) {
    parts.push(
      `${attempts(r.pendingGrading)} still ${r.pendingGrading === 1 ? 'has' : 'have'} short-text or essay answers to grade and ${r.pendingGrading === 1 ? 'was' : 'were'} left out.`,
    );
  }
  if (r.alreadyReleased > 0) {
    parts.push(`${attempts(r.alreadyReleased)} had been released before.`);
  }
  return {
    tone: r.released > 0 ? 'success' : 'info',
    text: parts.join(' '),
  };
}

/**
 * The exam's "release all scores" (POST /api/exams/:id/scores/release): every ended attempt
 * whose grading is complete shows its score to its student; attempts still to grade are left
 * out and counted, so the instructor can grade them and release again.
 */
export function ScoresReleaseSection({ examId }: { examId: string }) {
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const release = async () => {
    setPending(true);
    setFeedback(null);
    try {
      setFeedback(describeRelease(await gradingApi.releaseExam(examId)));
    } catch (e) {
      setFeedback({ tone: 'error', text: `Scores not released: ${describeError(e)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <Section title="Scores" id="scores">
      <p className="muted small" id="scores-release-hint">
        Students see their score, the points per question and your comments once it is released.
        Release one attempt from its answers page, or every fully graded attempt here.
      </p>
      <p>
        <ConfirmButton
          label="Release all graded scores"
          question="Release the score of every ended attempt whose answers are all graded? Its student sees the score at once; attempts with answers still to grade are left out."
          confirmLabel="Release scores"
          keepLabel="Not now"
          pending={pending}
          pendingLabel="Releasing…"
          className="button primary"
          describedBy="scores-release-hint"
          onConfirm={() => void release()}
        />
      </p>
      <StatusMessage feedback={feedback} />
    </Section>
  );
}
