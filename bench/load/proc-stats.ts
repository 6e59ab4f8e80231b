import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second and page size (the values on every x86-64/arm64 kernel we run). */
const CLK_TCK = 100;
const PAGE = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks (reaped children count through their parent). */
  ticks: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(f[i] ?? 0);
    return { pid, ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14), rssBytes: n(21) * PAGE };
  } catch {
    return null;
  }
}

/** Every process in the trees rooted at `roots` (the roots included). */
function treeOf(roots: readonly number[]): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const children = new Map<number, ProcStat[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const out: ProcStat[] = [];
  const queue = roots.map((r) => byPid.get(r)).filter((p): p is ProcStat => p !== undefined);
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** CPU and memory of a process tree over a window. */
export interface TreeUsage {
  /** Average CPU over the window, in % of one core (200 = both cores of a 2-core machine). */
  cpuPercent: number;
  /** Highest sum of resident memory over the samples, in MB. */
  peakRssMb: number;
  /** Processes seen in the tree. */
  processes: number;
}

/**
 * Samples the process trees rooted at `roots` once a second (Node process, cluster workers,
 * embedded PostgreSQL and its backends): CPU ticks per pid (a pid first seen mid-window counts
 * from zero, as it was born then) and the summed RSS.
 */
export class TreeSampler {
  #first = new Map<number, number>();
  #last = new Map<number, number>();
  #peakRss = 0;
  #startedAt = 0;
  #stoppedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #seen = new Set<number>();

  constructor(private readonly roots: readonly number[]) {}

  /** Every pid seen in the tree so far (to clean up after the root exits). */
  get pids(): number[] {
    return [...this.#seen];
  }

  #sample(initial: boolean): void {
    const tree = treeOf(this.roots);
    let rss = 0;
    for (const p of tree) {
      this.#seen.add(p.pid);
      rss += p.rssBytes;
      if (!this.#first.has(p.pid)) this.#first.set(p.pid, initial ? p.ticks : 0);
      this.#last.set(p.pid, p.ticks);
    }
    this.#peakRss = Math.max(this.#peakRss, rss);
  }

  /** Start the window. */
  start(): void {
    this.#first.clear();
    this.#last.clear();
    this.#peakRss = 0;
    this.#startedAt = performance.now();
    this.#sample(true);
    this.#timer = setInterval(() => this.#sample(false), 1000);
    this.#timer.unref();
  }

  /** End the window and return the usage. */
  stop(): TreeUsage {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample(false);
    this.#stoppedAt = performance.now();
    let ticks = 0;
    for (const [pid, last] of this.#last) ticks += last - (this.#first.get(pid) ?? 0);
    const seconds = (this.#stoppedAt - this.#startedAt) / 1000;
    return {
      cpuPercent: seconds > 0 ? (100 * ticks) / CLK_TCK / seconds : 0,
      peakRssMb: this.#peakRss / 1024 / 1024,
      processes: this.#last.size,
    };
  }
}

/** Pids in the trees rooted at `roots` right now. */
export function descendantsOf(roots: readonly number[]): number[] {
  return treeOf(roots).map((p) => p.pid);
}
