import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { User } from '@invigil/contracts';
import './users.css';

/**
 * The actions of one row of the user list: `actions` always in view, then a "More actions"
 * disclosure button (named after the row's user for screen readers) that shows `children`, the
 * less frequent actions, in a panel under that line.
 * The panel is only hidden while closed, never unmounted, so a form or question opened in it
 * keeps its state. Escape closes it and returns focus to the button, except inside a form or a
 * question, where Escape already cancels that step.
 */
export function UserMoreActions({
  user,
  actions,
  children,
}: {
  user: Pick<User, 'name'>;
  actions: ReactNode;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const panel = panelRef.current;
    if (!open || !panel) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      if (event.target instanceof Element && event.target.closest('form, .confirm')) return;
      setOpen(false);
      toggleRef.current?.focus();
    };
    panel.addEventListener('keydown', onKeyDown);
    return () => panel.removeEventListener('keydown', onKeyDown);
  }, [open]);

  return (
    <div className="user-actions">
      <div className="row-actions user-actions-line">
        {actions}
        <button
          ref={toggleRef}
          type="button"
          className="button secondary small more-actions-toggle"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((value) => !value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setOpen(false);
          }}
        >
          More actions<span className="sr-only"> for {user.name}</span>
        </button>
      </div>
      <div
        ref={panelRef}
        id={panelId}
        className="more-actions"
        role="group"
        aria-label={`More actions for ${user.name}`}
        hidden={!open}
      >
        {children}
      </div>
    </div>
  );
}
