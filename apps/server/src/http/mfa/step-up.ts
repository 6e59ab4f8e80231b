import type { FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';

/**
 * The step-up check of a route whose body decides whether the change is sensitive (a role
 * change in a user update): what `auth: { stepUp: true }` does for a whole route.
 */
export function requireStepUp(req: FastifyRequest): void {
  if (req.authn?.stepUpNeeded) throw errors.stepUpRequired();
}
