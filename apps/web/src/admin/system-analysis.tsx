import { useCallback } from 'react';
import type { AnalysisStatus } from '@invigil/contracts';
import { systemApi } from '../api/system';
import { Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { formatCount, formatNumber, formatSeconds } from './system-format';
import { REFRESH_MS } from './system-model';

function Facts({ s }: { s: AnalysisStatus }) {
  const reasons = Object.entries(s.queued.byReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${formatCount(n)} ${reason.replace('_', ' ')}`)
    .join(', ');
  return (
    <dl className="facts">
      <div>
        <dt>Server analysis</dt>
        <dd>
          {s.enabled ? `On, ${s.workers} worker thread${s.workers === 1 ? '' : 's'}` : 'Off'}
          {s.enabled && s.nice > 0 ? ` (nice ${s.nice})` : ''}
        </dd>
      </div>
      <div>
        <dt>Analysed (last {s.windowSeconds} s)</dt>
        <dd>
          {formatCount(s.analysed)} · {formatNumber(s.analysedPerSecond)}/s
          {s.analysedPerSecondPerWorker !== null
            ? ` (${formatNumber(s.analysedPerSecondPerWorker)}/s per worker)`
            : ''}
        </dd>
      </div>
      <div>
        <dt>Failed · shed</dt>
        <dd>
          {formatCount(s.failed)} · {formatCount(s.shed)}
        </dd>
      </div>
      <div>
        <dt>Waiting now</dt>
        <dd>
          {formatCount(s.queued.total)}
          {reasons ? <span className="muted small"> ({reasons})</span> : null}
        </dd>
      </div>
      <div>
        <dt>Running now</dt>
        <dd>{formatCount(s.running)}</dd>
      </div>
      <div>
        <dt>Oldest waiting</dt>
        <dd>{s.oldestQueuedSeconds === null ? '–' : formatSeconds(s.oldestQueuedSeconds)}</dd>
      </div>
    </dl>
  );
}

/** Server-side snapshot analysis now: throughput over the last minute and its queue. */
export function SystemAnalysisSection() {
  const load = useCallback((signal: AbortSignal) => systemApi.analysis(signal), []);
  const status = useResource(load, { refetchInterval: REFRESH_MS });
  return (
    <Section title="Snapshot analysis" id="system-analysis">
      <ResourceView resource={status}>{(s) => <Facts s={s} />}</ResourceView>
    </Section>
  );
}
