import { useState } from 'react';
import { describeError } from '../api/errors';
import type { Feedback } from './status-message';

/** What `useActionFeedback` gives a form: the running action, its message, and `run`. */
export interface ActionFeedback<K extends string> {
  pending: K | null;
  feedback: Feedback | null;
  setFeedback: (feedback: Feedback | null) => void;
  /**
   * Runs one action at a time: marks it pending, clears the old message, and shows the text the
   * action resolves to, or the error it fails with. Resolves true when the action succeeded.
   */
  run: (kind: K, action: () => Promise<string>) => Promise<boolean>;
}

/** The pending/success/error bookkeeping that staff action panels share. */
export function useActionFeedback<K extends string>(): ActionFeedback<K> {
  const [pending, setPending] = useState<K | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const run = async (kind: K, action: () => Promise<string>) => {
    setPending(kind);
    setFeedback(null);
    try {
      setFeedback({ tone: 'success', text: await action() });
      return true;
    } catch (error) {
      setFeedback({ tone: 'error', text: describeError(error) });
      return false;
    } finally {
      setPending(null);
    }
  };
  return { pending, feedback, setFeedback, run };
}
