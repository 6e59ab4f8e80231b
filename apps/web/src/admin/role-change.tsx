import { useRef, useState, type KeyboardEvent } from 'react';
import type { Role, User } from '@invigil/contracts';
import { ROLES, ROLE_LABELS } from '../auth/role-labels';
import { roleChangeLabel, roleChangeQuestion } from './account-changes';

/**
 * A user's role: choosing another one in the list changes nothing yet. The question right
 * after it says what the new role means (announced politely), and only its confirm button
 * saves. Focus stays on the list, so arrowing through the roles asks about each in turn;
 * Escape or Cancel puts the role back.
 */
export function RoleChange({
  user,
  disabled,
  onConfirm,
}: {
  user: User;
  disabled: boolean;
  onConfirm: (role: Role) => void;
}) {
  const [chosen, setChosen] = useState<Role | null>(null);
  const selectRef = useRef<HTMLSelectElement>(null);
  // Once saved, the user's role is the chosen one and nothing is asked any more; after a
  // failed save the question stays, to try again or cancel.
  const proposed = chosen !== null && chosen !== user.role ? chosen : null;
  const question = proposed ? roleChangeQuestion(user, proposed) : '';

  const cancel = () => {
    setChosen(null);
    selectRef.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && proposed) cancel();
  };

  return (
    <div className="role-change">
      <select
        ref={selectRef}
        aria-label={`Role of ${user.name}`}
        value={proposed ?? user.role}
        disabled={disabled}
        onKeyDown={onKeyDown}
        onChange={(e) => {
          const role = e.target.value as Role;
          setChosen(role === user.role ? null : role);
        }}
      >
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {ROLE_LABELS[role]}
          </option>
        ))}
      </select>
      <span role="status" aria-live="polite" className="confirm-question">
        {question}
      </span>
      {proposed ? (
        <span className="confirm" role="group" aria-label={`Confirm the role of ${user.name}`}>
          <button
            type="button"
            className="button primary small"
            disabled={disabled}
            onKeyDown={onKeyDown}
            onClick={() => onConfirm(proposed)}
          >
            {roleChangeLabel(proposed)}
          </button>
          <button
            type="button"
            className="button secondary small"
            onKeyDown={onKeyDown}
            onClick={cancel}
          >
            Cancel
          </button>
        </span>
      ) : null}
    </div>
  );
}
