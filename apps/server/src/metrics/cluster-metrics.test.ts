import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  ClusterMetrics,
  isMetricsMessage,
  WorkerMetrics,
  type MetricsMessage,
  type MetricsPeer,
  type PrimaryLink,
} from './cluster-metrics.js';

/**
 * A primary and its workers over an in-memory channel that delivers on a later tick, as
 * Node's IPC does; a `muted` worker never hears the primary's requests (starting, or stuck).
 */
function cluster(values: { requests: number; sockets: number; up: number }[]) {
  const toWorker = new Map<number, (m: unknown) => void>();
  const peers: (MetricsPeer & { index: number; muted: boolean })[] = [];
  const primary = new ClusterMetrics(() => peers, 50);
  const workers = values.map((v, index) => {
    const registry = new Registry();
    new Counter({ name: 'requests_total', help: 'h', registers: [registry] }).inc(v.requests);
    new Gauge({ name: 'sockets', help: 'h', registers: [registry] }).set(v.sockets);
    new Gauge({ name: 'up', help: 'h', aggregator: 'min', registers: [registry] }).set(v.up);
    const peer = {
      index,
      muted: false,
      isConnected: () => true,
      send: (m: MetricsMessage) => {
        if (peer.muted && m.kind === 'invigil.metrics.collect') return;
        setImmediate(() => toWorker.get(index)?.(m));
      },
    };
    peers.push(peer);
    const link: PrimaryLink = {
      send: (m) => setImmediate(() => primary.handle(peer, m)),
      onMessage: (handler) => {
        toWorker.set(index, handler);
        return () => toWorker.delete(index);
      },
    };
    return new WorkerMetrics([registry], link, 1000);
  });
  return { workers, peers, primary };
}

const sample = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('cluster metrics', () => {
  it('a scrape on any worker shows every worker: counters add up, gauges by their aggregator', async () => {
    const { workers } = cluster([
      { requests: 3, sockets: 2, up: 1 },
      { requests: 4, sockets: 5, up: 0 },
    ]);
    for (const w of workers) {
      const text = await w.scrape();
      expect(sample(text, 'requests_total')).toBe(7);
      expect(sample(text, 'sockets')).toBe(7);
      expect(sample(text, 'up')).toBe(0);
    }
    for (const w of workers) w.stop();
  });

  it('leaves out a worker that does not answer in time instead of failing the scrape', async () => {
    const { workers, peers } = cluster([
      { requests: 3, sockets: 1, up: 1 },
      { requests: 4, sockets: 1, up: 1 },
    ]);
    peers[1]!.muted = true;
    const text = await workers[0]!.scrape();
    expect(sample(text, 'requests_total')).toBe(3);
    peers[0]!.muted = true;
    await expect(workers[0]!.scrape()).rejects.toThrow('No server process answered');
  });

  it('scrapes arriving together share one round', async () => {
    const { primary, peers } = cluster([{ requests: 1, sockets: 0, up: 1 }]);
    let asked = 0;
    const send = peers[0]!.send;
    peers[0]!.send = (m) => {
      if (m.kind === 'invigil.metrics.collect') asked += 1;
      return send(m);
    };
    const texts = await Promise.all([primary.combined(), primary.combined(), primary.combined()]);
    expect(new Set(texts).size).toBe(1);
    expect(asked).toBe(1);
  });

  it('tells its messages from bus frames and anything else on the channel', () => {
    expect(isMetricsMessage({ kind: 'invigil.metrics.scrape', id: 1 })).toBe(true);
    expect(isMetricsMessage({ kind: 'invigil.bus', topic: 'x', json: '{}' })).toBe(false);
    expect(isMetricsMessage({ kind: 'invigil.metrics.scrape' })).toBe(false);
    expect(isMetricsMessage(null)).toBe(false);
    expect(isMetricsMessage('invigil.metrics.scrape')).toBe(false);
  });

  it('a worker whose primary is gone fails its scrape at once', async () => {
    const gone: PrimaryLink = {
      send: () => {
        throw new Error('The primary process is gone');
      },
      onMessage: () => () => undefined,
    };
    await expect(new WorkerMetrics([new Registry()], gone).scrape()).rejects.toThrow(
      'The primary process is gone',
    );
  });
});
