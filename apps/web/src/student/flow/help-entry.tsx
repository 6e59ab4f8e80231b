import type { StudentPolicy } from '@invigil/contracts';

/**
 * "Message the proctor" and "Raise hand" inside a notice the student waits out (pause,
 * recording problem): the way to ask for help from where focus is, opening the chat dock
 * (drawn beside the notice) at its text area or at the hand's note. Nothing when the exam's
 * policy allows neither.
 */
export function HelpEntry({
  policy,
  onOpen,
}: {
  policy: Pick<StudentPolicy, 'chat' | 'raiseHand'>;
  /** Open the dock; `ask`: at the Raise hand form. */
  onOpen: (ask: boolean) => void;
}) {
  if (!policy.chat && !policy.raiseHand) return null;
  return (
    <div className="form-actions help-entry">
      {policy.chat ? (
        <button type="button" className="button secondary" onClick={() => onOpen(false)}>
          Message the proctor
        </button>
      ) : null}
      {policy.raiseHand ? (
        <button type="button" className="button secondary" onClick={() => onOpen(true)}>
          Raise hand
        </button>
      ) : null}
    </div>
  );
}
