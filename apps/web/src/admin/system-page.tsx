import { useCallback, useMemo, useState } from 'react';
import type { SystemOverview } from '@invigil/contracts';
import { systemApi } from '../api/system';
import { Page } from '../ui/page';
import { EmptyState, ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { SystemAnalysisSection } from './system-analysis';
import { SystemChart } from './system-chart';
import { SystemJobsSection } from './system-jobs';
import { chartsOf, RANGES, REFRESH_MS } from './system-model';
import './system.css';

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The range as radio buttons: arrow keys move between them, as in any radio group. */
function RangePicker({ minutes, onChange }: { minutes: number; onChange: (m: number) => void }) {
  return (
    <fieldset className="segmented">
      <legend className="sr-only">Range</legend>
      {RANGES.map((r) => (
        <label key={r.minutes} className={r.minutes === minutes ? 'selected' : undefined}>
          <input
            type="radio"
            name="system-range"
            value={r.minutes}
            checked={r.minutes === minutes}
            onChange={() => onChange(r.minutes)}
          />
          <span className="segment-text">
            {r.label}
            <span className="sr-only">, {r.phrase}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function Charts({ overview }: { overview: SystemOverview }) {
  const charts = useMemo(() => chartsOf(overview), [overview]);
  // The data's own range: while another loads, these charts still show theirs.
  const phrase = RANGES.find((r) => r.minutes === overview.minutes)?.phrase ?? 'the range';
  if (overview.latestSampleAt === null) {
    return <EmptyState>No samples yet — the server records one every 15 s.</EmptyState>;
  }
  return (
    <>
      <p className="muted small system-updated">
        Latest sample {clock.format(new Date(overview.latestSampleAt))} ·{' '}
        {overview.processes === 1 ? '1 server process' : `${overview.processes} server processes`}{' '}
        reporting · one point per {overview.bucketSeconds} s · refreshes every {REFRESH_MS / 1000} s
      </p>
      <div className="system-charts">
        {charts.map((chart) => (
          <SystemChart key={chart.id} chart={chart} times={overview.times} rangePhrase={phrase} />
        ))}
      </div>
    </>
  );
}

/**
 * /admin/system: how the server is doing — charts of active sessions, ingest, alert latency,
 * HTTP errors, blob disk space and job queues over a chosen range (refreshed every 15 s),
 * then the background jobs with their dead letters, and server-side snapshot analysis.
 */
export function SystemPage() {
  const [minutes, setMinutes] = useState(60);
  const range = RANGES.find((r) => r.minutes === minutes) ?? RANGES[1];
  const load = useCallback((signal: AbortSignal) => systemApi.overview(minutes, signal), [minutes]);
  const overview = useResource(load, { refetchInterval: REFRESH_MS });

  return (
    <Page
      title="System"
      intro="How the server is doing, from the samples each server process records every 15 seconds."
    >
      <div className="system-head">
        <h2 id="system-charts-heading">Over {range.phrase}</h2>
        <RangePicker minutes={minutes} onChange={setMinutes} />
      </div>
      <section aria-labelledby="system-charts-heading" className="system-charts-section">
        <ResourceView resource={overview}>{(o) => <Charts overview={o} />}</ResourceView>
      </section>
      <SystemJobsSection />
      <SystemAnalysisSection />
    </Page>
  );
}
