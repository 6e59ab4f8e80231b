import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { DateTimeField, Field } from '../ui/field';
import {
  appliedCount,
  emptyFilterForm,
  filtersFromForm,
  formFromFilters,
  KNOWN_ACTION_PREFIXES,
  KNOWN_ENTITY_TYPES,
  searchFromFilters,
  type AppliedFilters,
  type AuditFilterErrors,
  type AuditFilterForm,
} from './audit-filters';

type TextKey = Exclude<keyof AuditFilterForm, 'from' | 'to'>;

/** The text fields, in form order, with what each takes. */
const TEXT_FIELDS: { key: TextKey; label: string; hint: string; list?: 'actions' | 'types' }[] = [
  { key: 'actor', label: 'Actor', hint: 'E-mail, part of one, or a user id' },
  { key: 'action', label: 'Action', hint: 'user.create, or a prefix: auth.', list: 'actions' },
  { key: 'entityType', label: 'Target type', hint: 'user, exam, session…', list: 'types' },
  { key: 'entityId', label: 'Target id', hint: 'Exactly, e.g. a user’s id' },
  { key: 'examId', label: 'Exam id', hint: 'Everything about one exam' },
];

// Open at first on wide screens; on a phone the form would push the entries off the screen.
const startsOpen = () => window.matchMedia?.('(min-width: 40rem)').matches ?? true;

/**
 * The audit log's filters, in a disclosure that says how many apply. Apply (or Enter) checks
 * them and hands them on; Clear removes them all. Filters applied elsewhere (a link, Back)
 * replace what the form shows.
 */
export function AuditFilterFormView({
  applied,
  onApply,
}: {
  applied: AppliedFilters;
  onApply: (filters: AppliedFilters) => void;
}) {
  const [form, setForm] = useState<AuditFilterForm>(() => formFromFilters(applied));
  const [errors, setErrors] = useState<AuditFilterErrors>({});
  const [open, setOpen] = useState(startsOpen);
  // Reset while rendering rather than remounting, so focus stays on Apply or Clear.
  const appliedText = searchFromFilters(applied).toString();
  const [shown, setShown] = useState(appliedText);
  if (shown !== appliedText) {
    setShown(appliedText);
    setForm(formFromFilters(applied));
    setErrors({});
  }
  const count = appliedCount(applied);
  const formRef = useRef<HTMLFormElement>(null);
  const listIds = { actions: useId(), types: useId() };

  // After a refused Apply the first field to fix takes focus, so its message is read out.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const set = (key: keyof AuditFilterForm, value: string) =>
    setForm((current) => ({ ...current, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = filtersFromForm(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    onApply(result.filters);
  };

  const clear = () => {
    setForm(emptyFilterForm());
    setErrors({});
    onApply({});
  };

  return (
    <details
      className="card audit-filters"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        Filters
        {count > 0 ? <span className="muted"> · {count} applied</span> : null}
      </summary>
      <form
        ref={formRef}
        role="search"
        aria-label="Filter the audit log"
        noValidate
        onSubmit={submit}
      >
        <div className="audit-filter-grid">
          {TEXT_FIELDS.map(({ key, label, hint, list }) => (
            <Field key={key} label={label} hint={hint} error={errors[key]}>
              {(c) => (
                <input
                  {...c}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  list={list ? listIds[list] : undefined}
                  value={form[key]}
                  onChange={(e) => set(key, e.target.value)}
                />
              )}
            </Field>
          ))}
          <DateTimeField
            label="From"
            hint="On or after, your time"
            error={errors.from}
            value={form.from}
            onChange={(v) => set('from', v)}
          />
          <DateTimeField
            label="To"
            hint="Before, your time"
            error={errors.to}
            value={form.to}
            onChange={(v) => set('to', v)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary">
            Apply
          </button>
          <button type="button" className="button secondary" onClick={clear}>
            Clear
          </button>
        </div>
        <datalist id={listIds.actions}>
          {KNOWN_ACTION_PREFIXES.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <datalist id={listIds.types}>
          {KNOWN_ENTITY_TYPES.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </form>
    </details>
  );
}
