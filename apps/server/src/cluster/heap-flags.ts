/**
 * The old generation V8 starts with, in MB, for a server process. Every upload body passes
 * through the heap as 64 KB socket chunks and one joined buffer; under load many are still
 * in flight when the young generation is collected, so they are promoted, and V8's default
 * small starting limit then ran a full mark-compact about every 400 ms per process (90 in a
 * 30 s load of 300 students; 4 with this setting, ack p99 192 → 86 ms). The live heap stays
 * near 40 MB either way: this raises when a full collection starts, not what is kept.
 * V8 reads it only at start (not from NODE_OPTIONS, nor later through `v8.setFlagsFromString`),
 * so forked server processes get it here and `npm start` passes it to a single process.
 */
export const INITIAL_OLD_SPACE_MB = 256;

const FLAG = '--initial-old-space-size';

/** Node flags for a forked server process: ours, unless the operator set the heap already. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  if (execArgv.some((a) => a.startsWith(FLAG))) return [...execArgv];
  return [...execArgv, `${FLAG}=${INITIAL_OLD_SPACE_MB}`];
}
