import { AnalysisStatus, Ok, SystemJobs, SystemOverview } from '@invigil/contracts';
import { api, query } from './client';

/** The System page (admins, browser session): charts, the job queue and server analysis. */
export const systemApi = {
  /** Series of the last `minutes` (15, 60, 360 or 1440), one value per bucket. */
  overview: (minutes: number, signal?: AbortSignal) =>
    api(`/api/system/overview${query({ minutes })}`, { schema: SystemOverview, signal }),
  jobs: (signal?: AbortSignal) => api('/api/system/jobs', { schema: SystemJobs, signal }),
  /** Run a dead job again (404 NOT_FOUND when it is no longer dead). */
  retry: (id: string) =>
    api(`/api/system/jobs/${encodeURIComponent(id)}/retry`, { schema: Ok, method: 'POST' }),
  analysis: (signal?: AbortSignal) =>
    api('/api/system/analysis', { schema: AnalysisStatus, signal }),
};
