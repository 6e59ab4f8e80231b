import type { RosterEntry } from '@invigil/contracts';
import { summarizeAccommodations } from './accommodations-model';

/**
 * A roster cell: how many detectors are relaxed for the student, with the details, and (for
 * staff who manage the exam) the button that opens the editor.
 */
export function AccommodationsCell({
  entry,
  onEdit,
}: {
  entry: RosterEntry;
  /** Absent when the viewer may not change accommodations. */
  onEdit?: () => void;
}) {
  const summary = summarizeAccommodations(entry.detectors);
  return (
    <div className="accommodations-cell">
      <span className={summary.count > 0 ? 'badge badge-relaxed' : 'muted small'}>
        {summary.label}
      </span>
      {summary.items.length > 0 ? (
        <ul className="accommodation-items">
          {summary.items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      ) : null}
      {onEdit ? (
        <button
          type="button"
          className="link-button"
          aria-haspopup="dialog"
          aria-label={`Edit detection for ${entry.studentName}`}
          onClick={onEdit}
        >
          Edit
        </button>
      ) : null}
    </div>
  );
}
