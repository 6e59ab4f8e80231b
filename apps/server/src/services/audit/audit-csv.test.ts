import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '@invigil/contracts';
import { AUDIT_CSV_COLUMNS, auditCsvHeader, auditCsvLine, csvField, csvLine } from './audit-csv.js';

describe('csvField', () => {
  it('leaves plain text, numbers and null (empty) alone', () => {
    expect(csvField('user.create')).toBe('user.create');
    expect(csvField(42)).toBe('42');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
  });

  it('quotes commas, quotes and line breaks per RFC 4180, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r\nlf')).toBe('"cr\r\nlf"');
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('\rcmd')).toBe('"\'\rcmd"');
    // Only at the start: inside a value these are harmless.
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(-5)).toBe('-5');
  });
});

describe('csvLine', () => {
  it('joins fields with commas and ends with CRLF', () => {
    expect(csvLine(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
    expect(auditCsvHeader()).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
    expect(auditCsvHeader()).toBe(
      'id,at,actor_id,actor_email,action,entity_type,entity_id,exam_id,data\r\n',
    );
  });
});

describe('auditCsvLine', () => {
  const entry: AuditEntry = {
    id: 7,
    at: '2025-03-01T09:30:00.000Z',
    actorId: null,
    actorEmail: null,
    action: 'user.create',
    entityType: 'user',
    entityId: '=cmd|x',
    examId: null,
    data: { z: 'line1\nline2', a: { q: 'say "x"' } },
  };

  it('writes every column, data as canonical JSON (sorted keys) kept on one record', () => {
    expect(auditCsvLine(entry)).toBe(
      "7,2025-03-01T09:30:00.000Z,,,user.create,user,'=cmd|x,," +
        '"{""a"":{""q"":""say \\""x\\""""},""z"":""line1\\nline2""}"\r\n',
    );
  });
});
