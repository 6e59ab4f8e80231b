import { collectDefaultMetrics, Registry } from 'prom-client';

let runtime: Registry | undefined;

/**
 * prom-client's default metrics of this Node.js process (event loop lag, garbage collection,
 * heap, CPU, memory, file descriptors; the conventional `nodejs_` and `process_` names that
 * ready-made dashboards expect). They describe the process, not an app, so there is one
 * registry per process however many apps a test starts: their monitors are never stopped.
 */
export function runtimeRegistry(): Registry {
  if (!runtime) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}
