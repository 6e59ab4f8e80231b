import type { AnalysisStatus, SystemOverview } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../ports/clock.port.js';
import { readAnalysisStatus, type AnalysisSetup } from '../detection/analysis-status.js';
import { bucketStarts, buildOverview } from './system-overview.js';
import { readSamplesSince } from './system-samples.js';

/** How the server itself is doing, as the System page reads it. */
export class SystemStatusService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly analysisSetup: AnalysisSetup,
  ) {}

  /** Server analysis: throughput over the last minute and the queue now. */
  analysis(): Promise<AnalysisStatus> {
    return readAnalysisStatus(this.db, this.clock, this.analysisSetup);
  }

  /** The charts of the last `minutes`, from every server process's samples. */
  async overview(minutes: Parameters<typeof bucketStarts>[1]): Promise<SystemOverview> {
    const nowMs = this.clock.now().getTime();
    const from = bucketStarts(nowMs, minutes)[0] ?? nowMs;
    const rows = await readSamplesSince(this.db, new Date(from));
    return buildOverview(rows, { nowMs, minutes });
  }
}
