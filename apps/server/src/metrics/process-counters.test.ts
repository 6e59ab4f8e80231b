import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createInstruments } from './instruments.js';
import { counterDeltas, NO_COUNTS, readProcessCounters } from './process-counters.js';

describe('process counters', () => {
  it('reads this registry’s totals: ingest over every label, HTTP by class, alert latency', async () => {
    const m = createInstruments(new Registry());
    m.ingestBytes.inc({ kind: 'segment', name: 'webcam' }, 1000);
    m.ingestBytes.inc({ kind: 'snapshot', name: 'periodic' }, 200);
    m.ingestItems.inc({ kind: 'segment', name: 'webcam' });
    m.ingestItems.inc({ kind: 'event', name: 'client' }, 4);
    m.httpDuration.observe({ route: '/a', method: 'GET', status_class: '2xx' }, 0.01);
    m.httpDuration.observe({ route: '/b', method: 'GET', status_class: '2xx' }, 0.01);
    m.httpDuration.observe({ route: '/a', method: 'POST', status_class: '5xx' }, 0.01);
    m.alertsSent.inc();
    m.alertLatency.observe(0.3);

    const c = await readProcessCounters(m);
    expect(c.ingestBytes).toBe(1200);
    expect(c.ingestItems).toBe(5);
    expect(c.httpResponses).toEqual({ '2xx': 2, '5xx': 1 });
    expect(c.alertsSent).toBe(1);
    expect(c.alertLatencyBuckets['0.25']).toBe(0);
    expect(c.alertLatencyBuckets['0.5']).toBe(1);
    expect(c.alertLatencyBuckets['+Inf']).toBe(1);
    expect(c.alertLatencySumSeconds).toBeCloseTo(0.3);
  });

  it('gives what was counted between two readings', async () => {
    const m = createInstruments(new Registry());
    m.ingestBytes.inc({ kind: 'segment', name: 'webcam' }, 500);
    m.httpDuration.observe({ route: '/a', method: 'GET', status_class: '4xx' }, 0.01);
    const first = await readProcessCounters(m);
    expect(counterDeltas(first, NO_COUNTS)).toEqual(first);

    m.ingestBytes.inc({ kind: 'segment', name: 'webcam' }, 250);
    m.httpDuration.observe({ route: '/a', method: 'GET', status_class: '4xx' }, 0.01);
    m.alertLatency.observe(2);
    const d = counterDeltas(await readProcessCounters(m), first);
    expect(d.ingestBytes).toBe(250);
    expect(d.httpResponses['4xx']).toBe(1);
    expect(d.alertLatencyBuckets['1']).toBe(0);
    expect(d.alertLatencyBuckets['+Inf']).toBe(1);
    expect(d.alertLatencySumSeconds).toBe(2);
  });
});
