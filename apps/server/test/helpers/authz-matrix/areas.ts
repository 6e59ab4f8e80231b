import type { MatrixFixture } from './fixture.js';
import type { Row } from './row.js';
import { accountRows } from './rows-accounts.js';
import { dataProtectionRows } from './rows-data-protection.js';
import { examRows } from './rows-exams.js';
import { integrationRows } from './rows-integrations.js';
import { interventionRows } from './rows-interventions.js';
import { liveRows } from './rows-live.js';
import { operationRows } from './rows-operations.js';
import { questionRows } from './rows-questions.js';
import { recordingRows } from './rows-recording.js';
import { reviewRows } from './rows-review.js';
import { secondFactorRows } from './rows-second-factors.js';

/**
 * The matrix's areas and their rows. Each area is one test file,
 * `authz-matrix-<area>.test.ts`, with a server of its own; authz-matrix-all-routes.test.ts
 * checks that the areas together cover every route, so a row runs if and only if it counts.
 */
export const MATRIX_AREAS = {
  accounts: [accountRows, secondFactorRows],
  exams: [examRows, questionRows, reviewRows],
  proctoring: [recordingRows, liveRows, interventionRows],
  admin: [dataProtectionRows, integrationRows, operationRows],
} satisfies Record<string, ((f: MatrixFixture) => Row[])[]>;

/** One area of the matrix (one test file). */
export type MatrixArea = keyof typeof MATRIX_AREAS;

/** The rows of one area, on the given fixture. */
export function areaRows(f: MatrixFixture, area: MatrixArea): Row[] {
  return MATRIX_AREAS[area].flatMap((rows) => rows(f));
}

/** Every row of the matrix (built, not run: their cells are prepared only when asked for). */
export function allRows(f: MatrixFixture): Row[] {
  return Object.values(MATRIX_AREAS).flatMap((area) => area.flatMap((rows) => rows(f)));
}
