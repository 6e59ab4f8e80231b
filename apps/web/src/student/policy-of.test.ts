import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STUDENT_POLICY,
  type MyRegistration,
  type StudentPolicy,
} from '@invigil/contracts';
import { policyOf } from './api';

const withPolicy = (policy: unknown) => ({ exam: { policy } }) as unknown as MyRegistration;

describe('policyOf', () => {
  it('reads the student policy the server sends with the registration', () => {
    const sent: StudentPolicy = {
      ...DEFAULT_STUDENT_POLICY,
      screen: false,
      snapshotIntervalSeconds: 20,
      detectors: {
        ...DEFAULT_STUDENT_POLICY.detectors,
        voice: { enabled: false },
        head_turned: { enabled: true, threshold: 30 },
      },
    };
    expect(policyOf(withPolicy(sent))).toEqual(sent);
  });

  it('falls back to the defaults without a registration or with an unreadable policy', () => {
    expect(policyOf(null)).toEqual(DEFAULT_STUDENT_POLICY);
    expect(policyOf(withPolicy({ webcam: 'yes' }))).toEqual(DEFAULT_STUDENT_POLICY);
  });
});
