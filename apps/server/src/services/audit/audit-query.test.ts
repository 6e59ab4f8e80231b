import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { auditConditions, escapeLike, isActionPrefix } from './audit-query.js';

const dialect = new PgDialect();
/** The SQL text and its bound parameters. */
function render(where: SQL | undefined) {
  if (!where) return undefined;
  const { sql, params } = dialect.sqlToQuery(where);
  return { sql, params };
}

describe('escapeLike', () => {
  it('escapes LIKE wildcards and the escape character, nothing else', () => {
    expect(escapeLike('a%b_c\\d')).toBe('a\\%b\\_c\\\\d');
    expect(escapeLike('ada@example.edu')).toBe('ada@example.edu');
  });
});

describe('isActionPrefix', () => {
  it('treats a trailing dot as a prefix', () => {
    expect(isActionPrefix('auth.')).toBe(true);
    expect(isActionPrefix('auth.lockout')).toBe(false);
  });
});

describe('auditConditions', () => {
  it('filters nothing without filters (empty text is no filter)', () => {
    expect(auditConditions({})).toBeUndefined();
    expect(
      auditConditions({ actor: '', action: '', entityType: '', entityId: '' }),
    ).toBeUndefined();
  });

  it('matches an actor id exactly and an e-mail fragment case-insensitively', () => {
    const id = '0B3C4D5E-1111-4222-8333-444455556666';
    expect(render(auditConditions({ actor: id }))).toEqual({
      sql: '"audit_log"."actor_id" = $1',
      params: [id.toLowerCase()],
    });
    expect(render(auditConditions({ actor: 'Ada%_' }))).toEqual({
      sql: '"users"."email" ilike $1',
      params: ['%Ada\\%\\_%'],
    });
  });

  it('matches one action exactly, or every action under a prefix ending in a dot', () => {
    expect(render(auditConditions({ action: 'user.create' }))).toEqual({
      sql: '"audit_log"."action" = $1',
      params: ['user.create'],
    });
    expect(render(auditConditions({ action: 'session_x.' }))).toEqual({
      sql: '"audit_log"."action" like $1',
      params: ['session\\_x.%'],
    });
  });

  it('combines target, exam, time range and keyset with and, every value a parameter', () => {
    const q = render(
      auditConditions({
        entityType: 'user',
        entityId: "x'; drop table audit_log; --",
        examId: '11111111-1111-4111-8111-111111111111',
        from: '2025-01-01T00:00:00+01:00',
        to: '2025-01-02T00:00:00Z',
        before: 42,
      }),
    );
    expect(q?.sql).toBe(
      '("audit_log"."entity_type" = $1 and "audit_log"."entity_id" = $2 and ' +
        '"audit_log"."exam_id" = $3 and "audit_log"."at" >= $4 and "audit_log"."at" < $5 and ' +
        '"audit_log"."id" < $6)',
    );
    expect(q?.params.slice(0, 3)).toEqual([
      'user',
      "x'; drop table audit_log; --",
      '11111111-1111-4111-8111-111111111111',
    ]);
    // Instants, whatever offset they were written with.
    expect(q?.params[3]).toBe('2024-12-31T23:00:00.000Z');
    expect(q?.params[4]).toBe('2025-01-02T00:00:00.000Z');
    expect(q?.params[5]).toBe(42);
  });
});
