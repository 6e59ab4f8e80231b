import os from 'node:os';

/** Idle and total CPU time of the whole machine so far (ms), summed over its cores. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** The machine's CPU times from the operating system (every core, every process). */
export function machineCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** How long an analysis slot rests between jobs while the machine is busy. */
export const BUSY_REST_MS = 2000;

/**
 * Server analysis uses the CPU that ingest leaves over. A sampler of the machine's CPU use
 * (every core, every process: uploads, PostgreSQL, the detectors) over the last few seconds;
 * while it is at or above `limitPercent`, each analysis slot rests BUSY_REST_MS between jobs,
 * so analysis thins out to a trickle instead of taking the CPU that keeps upload
 * acknowledgements fast (what it cannot reach is shed by the queue's bounds and recorded).
 * At 100 it never rests.
 */
export class AnalysisPace {
  private readonly samples: CpuTimes[] = [];
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitPercent: number,
    private readonly read: () => CpuTimes = machineCpuTimes,
    sampleMs = 1000,
    private readonly window = 5,
  ) {
    if (limitPercent >= 100) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  /** The machine's CPU use over the sampled window, 0–100 (0 until two samples exist). */
  busyPercent(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.total <= first.total) return 0;
    const idle = last.idle - first.idle;
    return Math.max(0, Math.min(100, 100 * (1 - idle / (last.total - first.total))));
  }

  /** How long a slot rests after a job before taking the next one (ms). */
  restMs(): number {
    if (this.limitPercent >= 100) return 0;
    return this.busyPercent() >= this.limitPercent ? BUSY_REST_MS : 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sample now (the timer does this every second). */
  sample(): void {
    this.samples.push(this.read());
    while (this.samples.length > this.window + 1) this.samples.shift();
  }
}
