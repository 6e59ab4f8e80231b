/**
 * Query keys of data that more than one component reads, so that one load serves them all
 * and a change can invalidate it. Everything sits under ['api'] (sign-out clears it all).
 */
export const queryKeys = {
  all: ['api'] as const,
  /** GET /api/settings/public. */
  publicSettings: ['api', 'settings', 'public'] as const,
  /** GET /api/sessions/:id (an attempt's state). */
  session: (sessionId: string) => ['api', 'sessions', sessionId] as const,
  /** GET /api/sessions/:id/interventions (not under `session`: cancelling that must spare it). */
  interventions: (sessionId: string) => ['api', 'interventions', sessionId] as const,
  /** GET /api/me/registrations. */
  myRegistrations: ['api', 'me', 'registrations'] as const,
  /** GET /api/exams/open. */
  openExams: ['api', 'exams', 'open'] as const,
  /** GET /api/me/reviews. */
  myReviews: ['api', 'me', 'reviews'] as const,
  /** GET /api/webhooks/:id/deliveries (first page). */
  webhookDeliveries: (webhookId: string) => ['api', 'webhooks', webhookId, 'deliveries'] as const,
};
