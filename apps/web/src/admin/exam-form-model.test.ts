import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES, DEFAULT_POLICY, type Exam } from '@invigil/contracts';
import { changedFields, emptyExamForm, examToForm, formToBody } from './exam-form-model';

const originalTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  process.env.TZ = originalTz;
});

const exam: Exam = {
  id: '00000000-0000-4000-8000-000000000001',
  title: 'Algebra final',
  description: 'Bring a pencil',
  status: 'published',
  opensAt: '2025-06-10T13:00:00.000Z',
  closesAt: '2025-06-10T15:00:00.000Z',
  registrationDeadline: '2025-06-09T13:00:00.000Z',
  durationMinutes: 90,
  capacity: 40,
  policy: DEFAULT_POLICY,
  externalUrl: null,
  retention: null,
  legalHold: null,
  registeredCount: 3,
  createdAt: '2025-05-01T00:00:00.000Z',
  updatedAt: '2025-05-01T00:00:00.000Z',
};

describe('exam form model', () => {
  it('starts a new exam a week ahead with a valid schedule', () => {
    const form = emptyExamForm(new Date(2025, 0, 1, 15, 20));
    expect(form.opensAt).toBe('2025-01-08T09:00');
    expect(form.closesAt).toBe('2025-01-08T11:00');
    expect(form.registrationDeadline).toBe('2025-01-07T23:59');
    const result = formToBody({ ...form, title: 'Quiz' });
    expect(result.ok).toBe(true);
  });

  it('converts an exam to local inputs and back to the same instants', () => {
    const form = examToForm(exam);
    expect(form.opensAt).toBe('2025-06-10T09:00');
    const result = formToBody(form);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.body.opensAt).toBe('2025-06-10T09:00:00-04:00');
    expect(changedFields(exam, result.body)).toEqual({});
  });

  it('reports only what changed', () => {
    const form = { ...examToForm(exam), capacity: '50' };
    form.switches.roomScan = true;
    const result = formToBody(form);
    if (!result.ok) throw new Error('invalid');
    const patch = changedFields(exam, result.body);
    expect(Object.keys(patch).sort()).toEqual(['capacity', 'policy']);
  });

  it('edits what the LMS gradebook receives after a violation verdict', () => {
    expect(examToForm(exam).ltiViolationGrade).toBe('withhold');
    const result = formToBody({ ...examToForm(exam), ltiViolationGrade: 'score_with_comment' });
    if (!result.ok) throw new Error('invalid');
    expect(result.body.policy.ltiViolationGrade).toBe('score_with_comment');
    expect(changedFields(exam, result.body).policy?.ltiViolationGrade).toBe('score_with_comment');
  });

  it('sends the exam’s own retention only when chosen, and only when changed', () => {
    const form = examToForm(exam);
    expect(form.retention.custom).toBe(false);
    form.retention = {
      custom: true,
      days: { mediaDaysAfterVerdict: '30', identityDays: '', undecidedDays: '60' },
    };
    const result = formToBody(form);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(changedFields(exam, result.body)).toEqual({
      retention: { mediaDaysAfterVerdict: 30, identityDays: null, undecidedDays: 60 },
    });
    form.retention.days.identityDays = '0';
    const bad = formToBody(form);
    expect(bad.ok ? {} : bad.errors).toHaveProperty(['retention.identityDays']);
  });

  it('finds field errors before sending', () => {
    const form = {
      ...examToForm(exam),
      title: ' ',
      closesAt: '2025-06-10T08:00',
      capacity: '0',
      allowedUrls: 'https://ok.example\nnot a url',
    };
    form.detection = { ...form.detection, maxFaces: '11' };
    const result = formToBody(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'capacity',
      'closesAt',
      'policy.allowedUrls',
      'policy.maxFaces',
      'title',
    ]);
  });

  it('writes the detection rules and keeps the older fields consistent with them', () => {
    const form = examToForm(exam);
    form.detection.rules.tab_switch = { ...form.detection.rules.tab_switch, enabled: false };
    form.detection.rules.head_turned = { ...form.detection.rules.head_turned, minSeconds: '12' };
    const result = formToBody(form);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const patch = changedFields(exam, result.body);
    expect(patch.policy).toMatchObject({
      gazeAwaySeconds: 12,
      flagTabSwitch: false,
      detectors: {
        tab_switch: { ...DEFAULT_DETECTOR_RULES.tab_switch, enabled: false },
        head_turned: { ...DEFAULT_DETECTOR_RULES.head_turned, minSeconds: 12 },
      },
    });
  });

  it('reports detection errors with the other field errors', () => {
    const form = examToForm(exam);
    form.detection.rules.phone = { ...form.detection.rules.phone, threshold: '0' };
    const result = formToBody(form);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(Object.keys(result.errors)).toEqual(['policy.detectors.phone.threshold']);
  });

  it('rejects a duration longer than the window', () => {
    const result = formToBody({ ...examToForm(exam), durationMinutes: '150' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.durationMinutes).toMatch(/does not fit/);
  });
});
