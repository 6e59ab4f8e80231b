import { DetectorQualityList } from '@invigil/contracts';
import { api } from './client';

/** The detectors' measured accuracy, model and version (instructors and admins). */
export const detectionQualityApi = {
  list: (signal?: AbortSignal) =>
    api('/api/detection/quality', { schema: DetectorQualityList, signal }),
};
