import { NotificationDocument } from '@invigil/contracts';
import { describe, expect, it } from 'vitest';
import { auditBrokenDocument, documentId } from './documents.js';

const report = (problems: string[], at = '2030-01-02T03:04:05.678Z') => ({
  verifiedAt: new Date(at),
  entries: 1234,
  checkpoints: 56,
  problems,
});

describe('auditBrokenDocument', () => {
  it('is the verification: its time, counts and problems, valid as a webhook body', () => {
    const doc = auditBrokenDocument(
      report(['Audit entry 7 does not check out: its content or signature was changed']),
    );
    expect(doc).toEqual({
      id: documentId('audit.broken:2030-01-02T03:04:05.678Z'),
      event: 'audit.broken',
      createdAt: '2030-01-02T03:04:05.678Z',
      data: {
        verifiedAt: '2030-01-02T03:04:05.678Z',
        entries: 1234,
        checkpoints: 56,
        problems: ['Audit entry 7 does not check out: its content or signature was changed'],
      },
    });
    expect(doc.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(NotificationDocument.parse(doc)).toEqual(doc);
  });

  it('has the same id for the same verification and another for the next one', () => {
    const a = auditBrokenDocument(report(['x']));
    expect(auditBrokenDocument(report(['x', 'y'])).id).toBe(a.id);
    expect(auditBrokenDocument(report(['x'], '2030-01-03T03:04:05.678Z')).id).not.toBe(a.id);
  });

  it('keeps the first 20 problems, each at most 500 characters', () => {
    const many = Array.from({ length: 25 }, (_, i) => `Problem ${i + 1}`);
    many[0] = `The blob store's copy cannot be read: ${'e'.repeat(2000)}`;
    const { data } = auditBrokenDocument(report(many));
    expect(data.problems).toHaveLength(20);
    expect(data.problems[19]).toBe('Problem 20');
    expect(data.problems[0]).toHaveLength(500);
    expect(data.problems[0]).toMatch(/^The blob store's copy cannot be read: e+…$/);
    expect(data.problems[1]).toBe('Problem 2');
    expect(() => NotificationDocument.parse(auditBrokenDocument(report(many)))).not.toThrow();
  });

  it('is refused by the contract with more problems than that', () => {
    const doc = auditBrokenDocument(report(['x']));
    const tooMany = { ...doc, data: { ...doc.data, problems: Array(21).fill('x') } };
    expect(NotificationDocument.safeParse(tooMany).success).toBe(false);
  });
});
