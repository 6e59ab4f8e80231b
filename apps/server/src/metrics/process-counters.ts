import type { Instruments } from './instruments.js';

/**
 * What this process has counted since it started, read from its own instruments (never the
 * cluster's aggregate: every process samples itself, and the System page adds them up).
 */
export interface ProcessCounters {
  ingestBytes: number;
  ingestItems: number;
  /** Responses by status class (`2xx` … `5xx`, `other`). */
  httpResponses: Record<string, number>;
  alertsSent: number;
  /** Alert latency observations per upper bound in seconds (`le`, cumulative, `+Inf` = all). */
  alertLatencyBuckets: Record<string, number>;
  alertLatencySumSeconds: number;
}

/** The instruments a sample reads. */
export type CounterSources = Pick<
  Instruments,
  'ingestBytes' | 'ingestItems' | 'httpDuration' | 'alertsSent' | 'alertLatency'
>;

/** Nothing counted yet: what a process has at its start. */
export const NO_COUNTS: ProcessCounters = {
  ingestBytes: 0,
  ingestItems: 0,
  httpResponses: {},
  alertsSent: 0,
  alertLatencyBuckets: {},
  alertLatencySumSeconds: 0,
};

const total = (values: readonly { value: number }[]) => values.reduce((sum, v) => sum + v.value, 0);

/** Read this process's totals with prom-client's `get()` (no text exposition, no labels kept). */
export async function readProcessCounters(m: CounterSources): Promise<ProcessCounters> {
  const [bytes, items, http, sent, latency] = await Promise.all([
    m.ingestBytes.get(),
    m.ingestItems.get(),
    m.httpDuration.get(),
    m.alertsSent.get(),
    m.alertLatency.get(),
  ]);
  const httpResponses: Record<string, number> = {};
  for (const v of http.values) {
    if (v.metricName !== 'invigil_http_request_duration_seconds_count') continue;
    const cls = String(v.labels.status_class ?? 'other');
    httpResponses[cls] = (httpResponses[cls] ?? 0) + v.value;
  }
  const alertLatencyBuckets: Record<string, number> = {};
  let alertLatencySumSeconds = 0;
  for (const v of latency.values) {
    if (v.metricName?.endsWith('_bucket')) alertLatencyBuckets[String(v.labels.le)] = v.value;
    else if (v.metricName?.endsWith('_sum')) alertLatencySumSeconds = v.value;
  }
  return {
    ingestBytes: total(bytes.values),
    ingestItems: total(items.values),
    httpResponses,
    alertsSent: total(sent.values),
    alertLatencyBuckets,
    alertLatencySumSeconds,
  };
}

const minus = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Math.max(0, v - (b[k] ?? 0))]));

/** What was counted between two readings (never negative: counters only grow). */
export function counterDeltas(next: ProcessCounters, prev: ProcessCounters): ProcessCounters {
  return {
    ingestBytes: Math.max(0, next.ingestBytes - prev.ingestBytes),
    ingestItems: Math.max(0, next.ingestItems - prev.ingestItems),
    httpResponses: minus(next.httpResponses, prev.httpResponses),
    alertsSent: Math.max(0, next.alertsSent - prev.alertsSent),
    alertLatencyBuckets: minus(next.alertLatencyBuckets, prev.alertLatencyBuckets),
    alertLatencySumSeconds: Math.max(0, next.alertLatencySumSeconds - prev.alertLatencySumSeconds),
  };
}
