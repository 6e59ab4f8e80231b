import { describe, expect, it } from 'vitest';
import { DetectorName, EVIDENCE_FLAG_TYPES } from '@invigil/contracts';
import { DETECTOR_GROUPS, DETECTOR_INFO, isEvidenceCheck } from './detectors';

describe('detector groups in the exam form', () => {
  it('shows every detector once: the detectors first, then the evidence checks', () => {
    expect(DETECTOR_GROUPS.flatMap((g) => g.names)).toEqual(
      expect.arrayContaining([...DetectorName.options]),
    );
    expect(DETECTOR_GROUPS.flatMap((g) => g.names)).toHaveLength(DetectorName.options.length);
    const [detectors, evidence] = DETECTOR_GROUPS;
    expect(evidence?.title).toBe('Evidence checks');
    expect(evidence?.names).toEqual([...EVIDENCE_FLAG_TYPES]);
    expect(detectors?.names).toContain('no_face');
    expect(detectors?.names.some(isEvidenceCheck)).toBe(false);
  });

  it('says what an evidence check’s duration means, and gives none a threshold', () => {
    for (const name of EVIDENCE_FLAG_TYPES) {
      expect(DETECTOR_INFO[name].threshold, name).toBeUndefined();
      expect(DETECTOR_INFO[name].duration, name).toBeDefined();
    }
    expect(DETECTOR_INFO.recording_gap.duration).toBe('absence');
    expect(DETECTOR_INFO.clock_skew.duration).toBe('finding');
    expect(DETECTOR_INFO.no_face.duration).toBeUndefined();
  });
});
