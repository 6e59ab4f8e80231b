import type { DetectorQuality, DetectorQualityMetric } from '@invigil/contracts';

/** What is known of a detector's measured quality: loading, measured, or not measured. */
export type QualityState = 'loading' | 'unavailable' | DetectorQuality | null;

function metricText(m: DetectorQualityMetric): string {
  const target = m.target ? ` (target ${m.target}${m.met === false ? ', not met' : ''})` : '';
  return `${m.label}: ${m.value}${target}`;
}

/**
 * Under a detector's explanation in the detection rules: its measured figures (the first two
 * inline, all of them with the model, version, date and data set on request), so that staff
 * see what a flag is worth. "Not measured" when the evaluation has no figures for it.
 */
export function DetectorQualityNote({ quality }: { quality: QualityState }) {
  if (quality === 'loading' || quality === 'unavailable') return null;
  if (quality === null) return <span className="detector-quality muted small">Not measured</span>;
  const headline = quality.metrics.slice(0, 2);
  return (
    <details className="detector-quality small">
      <summary>
        <span className="sr-only">Measured accuracy: </span>
        {headline.map((m, i) => (
          <span key={m.label} className={m.met === false ? 'quality-unmet' : undefined}>
            {i > 0 ? ' · ' : ''}
            {m.label} {m.value}
          </span>
        ))}
      </summary>
      <ul>
        {quality.metrics.map((m) => (
          <li key={m.label} className={m.met === false ? 'quality-unmet' : undefined}>
            {metricText(m)}
          </li>
        ))}
      </ul>
      <p>
        Model: {quality.model}. Measured {quality.measuredAt} on the {quality.dataset}.
        {quality.cost ? ` Cost: ${quality.cost}.` : ''}
      </p>
    </details>
  );
}
