import { describe, expect, it } from 'vitest';
import { usersApi } from '../api/endpoints';
import { dateToLocalInput, localInputToIso } from '../lib/datetime';
import {
  appliedCount,
  emptyFilterForm,
  filtersFromForm,
  filtersFromSearch,
  formFromFilters,
  hasFilters,
  PAGE_SIZE,
  pageQuery,
  searchFromFilters,
} from './audit-filters';

const EXAM = '11111111-1111-4111-8111-111111111111';

describe('filters in the URL', () => {
  it('reads known keys with a value, trimmed, and ignores the rest', () => {
    const params = new URLSearchParams(
      `action=%20auth.%20&actor=&examId=${EXAM}&before=12&limit=5&utm=x&from=2025-03-01T08:00:00Z`,
    );
    expect(filtersFromSearch(params)).toEqual({
      action: 'auth.',
      examId: EXAM,
      from: '2025-03-01T08:00:00Z',
    });
    expect(filtersFromSearch(new URLSearchParams(''))).toEqual({});
  });

  it('writes filters in a fixed order, so equal filters give equal links', () => {
    const a = searchFromFilters({ to: '2025-03-02T00:00:00Z', actor: 'ada', action: '' });
    const b = searchFromFilters({ actor: 'ada', to: '2025-03-02T00:00:00Z' });
    expect(a.toString()).toBe('actor=ada&to=2025-03-02T00%3A00%3A00Z');
    expect(b.toString()).toBe(a.toString());
    // An offset's `+` survives the round trip through the URL.
    const from = '2025-03-01T09:30:00+01:00';
    expect(filtersFromSearch(new URLSearchParams(searchFromFilters({ from }).toString()))).toEqual({
      from,
    });
  });

  it('tells whether anything is filtered, and how much', () => {
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ actor: '' })).toBe(false);
    expect(hasFilters({ entityId: 'x' })).toBe(true);
    expect(appliedCount({ actor: 'a', action: '', to: '2025-03-02T00:00:00Z' })).toBe(2);
  });
});

describe('the filter form', () => {
  const local = dateToLocalInput(new Date(2025, 2, 1, 9, 30));
  const later = dateToLocalInput(new Date(2025, 2, 1, 17, 0));

  it('shows applied filters, times in local time', () => {
    expect(formFromFilters({})).toEqual(emptyFilterForm());
    const form = formFromFilters({ actor: 'ada', from: localInputToIso(local)! });
    expect(form.actor).toBe('ada');
    expect(form.from).toBe(local);
    expect(form.to).toBe('');
  });

  it('applies trimmed values, drops empty ones, and sends times as ISO with the offset', () => {
    const result = filtersFromForm({
      ...emptyFilterForm(),
      actor: '  Ada@Example ',
      action: 'user.',
      entityType: 'user',
      examId: ` ${EXAM} `,
      from: local,
      to: later,
    });
    expect(result).toEqual({
      ok: true,
      filters: {
        actor: 'Ada@Example',
        action: 'user.',
        entityType: 'user',
        examId: EXAM,
        from: localInputToIso(local),
        to: localInputToIso(later),
      },
    });
    expect(filtersFromForm(emptyFilterForm())).toEqual({ ok: true, filters: {} });
  });

  it('explains what the server would refuse, per field', () => {
    const result = filtersFromForm({
      ...emptyFilterForm(),
      action: 'user create',
      examId: 'exam 12',
      actor: 'a'.repeat(255),
      from: later,
      to: local,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['action', 'actor', 'examId', 'to']);
    expect(result.errors.to).toMatch(/after/);
    expect(result.errors.examId).toMatch(/exam id/);
    const same = filtersFromForm({ ...emptyFilterForm(), from: local, to: local });
    expect(same.ok ? {} : same.errors).toEqual({ to: 'Must be after “From”' });
    const bad = filtersFromForm({ ...emptyFilterForm(), from: '2025-02-30T10:00' });
    expect(bad.ok ? {} : bad.errors).toEqual({ from: 'Enter a date and time' });
  });
});

describe('queries', () => {
  it('asks for a page of the filtered log, older pages with before', () => {
    expect(pageQuery({ actor: 'ada' })).toEqual({ actor: 'ada', limit: PAGE_SIZE });
    expect(pageQuery({ actor: 'ada' }, 42)).toEqual({ actor: 'ada', before: 42, limit: PAGE_SIZE });
  });

  it('links the export with the applied filters only', () => {
    expect(usersApi.auditExportUrl({})).toBe('/api/audit/export.csv');
    expect(usersApi.auditExportUrl({ action: 'auth.', actor: 'a b' })).toBe(
      '/api/audit/export.csv?action=auth.&actor=a+b',
    );
  });
});
