import type { DetectorAccommodations, Registration } from '@invigil/contracts';
import { api } from '../api/client';

/**
 * PUT /api/registrations/:id/accommodations with the student's detector accommodations only
 * (`{}` clears them); the server keeps the extra time as it is and audits the change.
 */
export function saveDetectorAccommodations(
  registrationId: string,
  detectors: DetectorAccommodations,
): Promise<Registration> {
  return api<Registration>(
    `/api/registrations/${encodeURIComponent(registrationId)}/accommodations`,
    { method: 'PUT', body: { detectors } },
  );
}
