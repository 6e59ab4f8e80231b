import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ProctoringPolicy, Registration, RosterEntry } from '@invigil/contracts';
import { effectiveRules } from '@invigil/detection/rules';
import { examContentApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { EmptyState } from '../ui/states';
import { AccommodationRowEditor } from './accommodation-row';
import {
  accommodationsToForm,
  formToAccommodations,
  listedDetectors,
  type AccommodationForm,
} from './accommodations-model';
import { DETECTOR_ORDER } from './detectors';
import './accommodations.css';

/**
 * A modal editor of one student's detector accommodations (native dialog: focus stays inside,
 * Escape closes). Focus returns to what opened it when it closes.
 */
export function AccommodationsDialog({
  entry,
  policy,
  onSaved,
  onClose,
}: {
  entry: RosterEntry;
  policy: ProctoringPolicy;
  onSaved: (registration: Registration) => void;
  onClose: () => void;
}) {
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const rules = useMemo(() => effectiveRules(policy), [policy]);
  const [form, setForm] = useState<AccommodationForm>(() =>
    accommodationsToForm(entry.detectors, rules),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const listed = listedDetectors(rules, entry.detectors);
  const off = DETECTOR_ORDER.length - listed.length;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const node = dialog.current;
    node?.showModal();
    return () => {
      if (node?.open) node.close();
      opener?.focus();
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = formToAccommodations(form, rules);
    if (!result.ok) {
      setErrors(result.errors);
      const n = Object.keys(result.errors).length;
      setFailure(`Please correct ${n} problem${n === 1 ? '' : 's'} marked below.`);
      return;
    }
    setErrors({});
    setFailure(null);
    setPending(true);
    try {
      const saved = await examContentApi.setDetectorAccommodations(entry.id, result.detectors);
      onSaved(saved);
    } catch (error) {
      setFailure(`Not saved: ${describeError(error)}`);
      setPending(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="accommodations-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-intro`}
      onCancel={(e) => {
        // Escape: close through React so the dialog unmounts and focus goes back.
        e.preventDefault();
        if (!pending) onClose();
      }}
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={`${id}-title`}>Detection for {entry.studentName}</h2>
        <p id={`${id}-intro`} className="hint">
          Switch detectors off or relax them for this student only, for example for a student who
          lip-reads or uses a screen reader aloud. Changes are recorded in the audit log.
        </p>
        {listed.length === 0 ? (
          <EmptyState>No detector is on for this exam, so there is nothing to relax.</EmptyState>
        ) : (
          <div className="accommodation-list">
            {listed.map((name) => (
              <AccommodationRowEditor
                key={name}
                name={name}
                rule={rules[name]}
                value={form[name]}
                errors={errors}
                disabled={pending}
                onChange={(row) => {
                  setForm((prev) => ({ ...prev, [name]: row }));
                  // A corrected row's messages go; the others stay until the next Save.
                  setErrors((prev) =>
                    Object.fromEntries(
                      Object.entries(prev).filter(([key]) => key.split('.')[0] !== name),
                    ),
                  );
                }}
              />
            ))}
          </div>
        )}
        {off > 0 && listed.length > 0 ? (
          <p className="muted small">
            {off} detector{off === 1 ? ' is' : 's are'} off for the whole exam and not listed.
          </p>
        ) : null}
        {/* Beside the buttons, so that it is seen where Save was pressed. */}
        <div className="accommodations-footer">
          {failure ? (
            <p className="notice notice-error" role="alert">
              {failure}
            </p>
          ) : null}
          <div className="form-actions">
            {listed.length > 0 ? (
              <button type="submit" className="button primary" disabled={pending}>
                {pending ? 'Saving…' : 'Save accommodations'}
              </button>
            ) : null}
            <button type="button" className="button secondary" disabled={pending} onClick={onClose}>
              Cancel
            </button>
          </div>
        </div>
      </form>
    </dialog>
  );
}
