import { describe, expect, it } from 'vitest';
import type { DataExport } from '@invigil/contracts';
import {
  exportActive,
  exportPercent,
  exportShortText,
  exportSize,
  exportStatusText,
} from './data-export-model';

const buildExport = (overrides: Partial<DataExport> = {}): DataExport => ({
  id: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-000000000002',
  requestedBy: '00000000-0000-4000-8000-000000000002',
  status: 'running',
  progressDone: 3,
  progressTotal: 12,
  sizeBytes: null,
  sha256: null,
  error: null,
  createdAt: '2030-01-01T09:00:00.000Z',
  finishedAt: null,
  expiresAt: null,
  ...overrides,
});

describe('data export model', () => {
  it('is active while queued or running only', () => {
    expect(exportActive(buildExport({ status: 'queued' }))).toBe(true);
    expect(exportActive(buildExport())).toBe(true);
    for (const status of ['ready', 'failed', 'expired'] as const) {
      expect(exportActive(buildExport({ status }))).toBe(false);
    }
    expect(exportActive(undefined)).toBe(false);
  });

  it('counts progress in whole percent, 0 before the files are counted, 100 once ready', () => {
    expect(exportPercent(buildExport())).toBe(25);
    expect(exportPercent(buildExport({ progressDone: 0, progressTotal: 0 }))).toBe(0);
    expect(exportPercent(buildExport({ status: 'ready', progressDone: 1 }))).toBe(100);
  });

  it('says where it stands in words', () => {
    expect(exportStatusText(buildExport())).toBe('Collecting your data: 3 of 12 files.');
    expect(exportStatusText(buildExport({ progressTotal: 0 }))).toBe('Collecting your data…');
    expect(exportStatusText(buildExport({ status: 'failed', error: 'disk full' }))).toBe(
      'It could not be made: disk full.',
    );
    expect(exportShortText(buildExport())).toBe('Export 25% done');
  });

  it('sizes files as file managers do', () => {
    expect(exportSize(999)).toBe('999 bytes');
    expect(exportSize(1_700)).toBe('1.7 kB');
    expect(exportSize(25_300_000)).toBe('25 MB');
  });
});
