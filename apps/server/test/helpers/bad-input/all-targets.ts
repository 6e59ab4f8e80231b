import type { BadInputFixture } from './fixture.js';
import type { Target } from './target.js';
import { accountTargets } from './targets-accounts.js';
import { examTargets } from './targets-exams.js';

/** Every route that takes a body or path parameters, with its caller and valid input. */
export function routeTargets(f: BadInputFixture): Target[] {
  return [...accountTargets(f), ...examTargets(f)];
}
