import { afterAll, beforeAll, describe } from 'vitest';
import { areaRows } from './helpers/authz-matrix/areas.js';
import { MatrixFixture } from './helpers/authz-matrix/fixture.js';
import { testRows } from './helpers/authz-matrix/row.js';
import { requestEngines } from './helpers/test-server.js';

/**
 * The authorization matrix (every route × every kind of caller → the expected outcome; the
 * letters are in helpers/authz-matrix/outcomes.ts) for data exports, retention, legal holds,
 * erasure, webhooks, learning platforms, the audit log and the system pages.
 */
describe.each(requestEngines())('authorization matrix: admin on %s', (engine) => {
  const f = new MatrixFixture(engine);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  testRows(f, areaRows(f, 'admin'));
});
