import type { ReactNode } from 'react';

/** The tone of a status message. */
export type Tone = 'info' | 'success' | 'error';

/** A feedback line for a screen: what happened, or what went wrong. */
export interface Feedback {
  tone: Tone;
  text: string;
}

/**
 * A polite aria-live region that is always present, so screen readers announce every
 * message put into it ("Registered for X", errors).
 */
export function StatusMessage({
  feedback,
  className,
}: {
  feedback: Feedback | null;
  className?: string;
}) {
  return (
    <div role="status" aria-live="polite" aria-atomic="true" className={className}>
      {feedback ? (
        <p className={`notice notice-${feedback.tone}`}>
          {feedback.tone === 'error' ? <span className="sr-only">Error: </span> : null}
          {feedback.text}
        </p>
      ) : null}
    </div>
  );
}

/** A static notice box (not announced). */
export function Notice({ tone = 'info', children }: { tone?: Tone; children: ReactNode }) {
  return <div className={`notice notice-${tone}`}>{children}</div>;
}
