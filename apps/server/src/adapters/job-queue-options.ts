import { type AddOptions, JOB_DEFAULTS } from '../ports/job-queue.port.js';

const KEY_MAX = 200;

/**
 * Refuse options no adapter can honour the same way (both adapters call this, so a job
 * added with bad options fails alike on the embedded queue and on Redis).
 */
export function validateAddOptions(opts: AddOptions): void {
  const int = (v: number | undefined, min: number, max: number, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
      throw new RangeError(`Job option ${name} must be an integer from ${min} to ${max}`);
    }
  };
  int(opts.delayMs, 0, 365 * 86_400_000, 'delayMs');
  int(opts.priority, 0, JOB_DEFAULTS.maxPriority, 'priority');
  int(opts.maxAttempts, 1, 100, 'maxAttempts');
  int(opts.backoffMs, 1, 86_400_000, 'backoffMs');
  if (opts.key !== undefined && (opts.key.length === 0 || opts.key.length > KEY_MAX)) {
    throw new RangeError(`Job key must be 1 to ${KEY_MAX} characters`);
  }
}

/** A handler's error as stored with a failed attempt (bounded). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2000);
}
