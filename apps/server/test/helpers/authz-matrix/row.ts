import { expect, it } from 'vitest';
import { splitOperation } from '../matrix-routes.js';
import type { MatrixFixture } from './fixture.js';
import { CALLERS, type Caller, classify, parseOutcomes } from './outcomes.js';

/** How a request authenticates: a session cookie plus CSRF token, or a bearer token, or nothing. */
export interface Credentials {
  cookie?: string;
  csrfToken?: string;
  bearer?: string;
}

/** One request of a cell: where to send it and with what body, optionally as someone else. */
export interface Cell {
  path: string;
  body?: unknown;
  as?: Credentials;
  /** Extra request headers (raw uploads send their content type and x-sha256). */
  headers?: Record<string, string>;
}

/** One operation's line of the matrix: the expected letter per caller, and how to call it. */
export interface Row {
  op: string;
  /** Distinguishes extra rows for the same operation (e.g. on exam B). */
  variant?: string;
  /** One letter per caller, in the order of CALLERS (see the legend in outcomes.ts). */
  expect: string;
  prepare: (caller: Caller) => Promise<Cell>;
}

/** A cell that is the same for every caller; the path and body are read when the cell runs. */
export const fixed = (path: () => string, body?: () => unknown) => async (): Promise<Cell> => ({
  path: path(),
  body: body?.(),
});

/** One test per row: every caller's request, each answered with its expected letter. */
export function testRows(f: MatrixFixture, rows: Row[]): void {
  it.each(rows.map((r) => [`${r.op}${r.variant ? ` (${r.variant})` : ''}`, r] as const))(
    '%s',
    async (_name, row) => {
      const expected = parseOutcomes(row.expect);
      const { method } = splitOperation(row.op);
      const mismatches: string[] = [];
      for (const caller of CALLERS) {
        const cell = await row.prepare(caller);
        const res = await f
          .clientFor(cell.as ?? f.creds[caller])
          .request(method, cell.path, cell.body, cell.headers);
        const got = classify(res);
        if (got !== expected[caller]) {
          mismatches.push(`${caller}: expected ${expected[caller]}, got ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
    },
  );
}
