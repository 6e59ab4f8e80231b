import { describe, expect, it } from 'vitest';
import { ALL_ROLES, formatRoles, parseRoles } from './roles.js';

describe('parseRoles', () => {
  it('reads all, or a list in any order and case', () => {
    expect(parseRoles('all')).toBe(ALL_ROLES);
    expect(formatRoles(parseRoles(' Worker, api '))).toBe('api,worker');
    expect(formatRoles(parseRoles('ingest,ingest'))).toBe('ingest');
  });

  it('names what it does not know, and refuses nothing', () => {
    expect(() => parseRoles('api,cron')).toThrow(/Unknown role cron: use all or api, ws/);
    expect(() => parseRoles(' , ')).toThrow(/at least one role/);
  });
});
