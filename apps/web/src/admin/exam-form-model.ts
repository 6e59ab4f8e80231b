import {
  DEFAULT_POLICY,
  DEFAULT_RETENTION,
  type CreateExamBody,
  type Exam,
  type LtiViolationGrade,
  type ProctoringPolicy,
  type UpdateExamBody,
} from '@invigil/contracts';
import { dateToLocalInput, isoToLocalInput, localInputToIso } from '../lib/datetime';
import {
  detectionFormToPolicy,
  policyToDetectionForm,
  type DetectionForm,
} from './detection-rules-model';
import { examRetentionToForm, formToRules, type ExamRetentionForm } from './retention-model';

/** Boolean policy switches, in display order, with their labels. */
export const POLICY_SWITCHES = [
  ['webcam', 'Webcam recording'],
  ['microphone', 'Microphone recording'],
  ['screen', 'Screen recording'],
  ['identityCheck', 'Identity check before start'],
  ['facePhotoCheck', 'Check that the face photo shows exactly one clear face'],
  ['practiceRun', 'Offer students a practice check-in before the exam'],
  ['roomScan', 'Room scan before start'],
] as const;

/** Exam-page restrictions (policy switches shown in their own group), with their labels. */
export const RESTRICTION_SWITCHES = [
  ['requireFullscreen', 'Require full screen (leaving it hides the exam and is recorded)'],
  ['blockClipboard', 'Block copy, cut, paste, the right-click menu and printing'],
] as const;

/**
 * Numeric recording settings with their labels and bounds. What is flagged (faces allowed,
 * looking away, tab switches) is edited in the detection rules instead.
 */
export const POLICY_NUMBERS = [
  ['snapshotIntervalSeconds', 'Snapshot interval (seconds)', 2, 300, 1],
  ['webcamBitrateKbps', 'Webcam recording bitrate (kbit/s)', 100, 4000, 1],
  ['screenBitrateKbps', 'Screen recording bitrate (kbit/s)', 100, 4000, 1],
  ['screenFrameRate', 'Screen recording frame rate (per second)', 1, 30, 1],
  ['segmentSeconds', 'Recording segment length (seconds)', 2, 60, 1],
] as const;

type SwitchKey = (typeof POLICY_SWITCHES)[number][0] | (typeof RESTRICTION_SWITCHES)[number][0];
type NumberKey = (typeof POLICY_NUMBERS)[number][0];

/** The exam form as edited: inputs hold strings; times are datetime-local values. */
export interface ExamFormState {
  title: string;
  description: string;
  status: 'draft' | 'published';
  opensAt: string;
  closesAt: string;
  registrationDeadline: string;
  durationMinutes: string;
  capacity: string;
  switches: Record<SwitchKey, boolean>;
  numbers: Record<NumberKey, string>;
  /** One URL per line. */
  allowedUrls: string;
  /** What a learning platform's gradebook receives after a "violation" verdict (LTI). */
  ltiViolationGrade: LtiViolationGrade;
  /** External exam page opened beside the proctoring bar; empty for none. */
  externalUrl: string;
  /** Detection rules, faces allowed and the server re-check interval. */
  detection: DetectionForm;
  /** How long the exam's evidence is kept: its own periods or the institution's defaults. */
  retention: ExamRetentionForm;
}

function policyToForm(
  policy: ProctoringPolicy,
): Pick<ExamFormState, 'switches' | 'numbers' | 'allowedUrls' | 'ltiViolationGrade' | 'detection'> {
  return {
    switches: Object.fromEntries(
      [...POLICY_SWITCHES, ...RESTRICTION_SWITCHES].map(([key]) => [key, policy[key]]),
    ) as Record<SwitchKey, boolean>,
    numbers: Object.fromEntries(
      POLICY_NUMBERS.map(([key]) => [key, String(policy[key])]),
    ) as Record<NumberKey, string>,
    allowedUrls: policy.allowedUrls.join('\n'),
    ltiViolationGrade: policy.ltiViolationGrade,
    detection: policyToDetectionForm(policy),
  };
}

/** A new exam's starting values: a week from `now`, 09:00–11:00 local, register by the day before. */
export function emptyExamForm(now: Date): ExamFormState {
  const opens = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 7, 9, 0);
  const closes = new Date(opens.getTime() + 2 * 60 * 60 * 1000);
  const deadline = new Date(opens.getFullYear(), opens.getMonth(), opens.getDate() - 1, 23, 59);
  return {
    title: '',
    description: '',
    status: 'draft',
    opensAt: dateToLocalInput(opens),
    closesAt: dateToLocalInput(closes),
    registrationDeadline: dateToLocalInput(deadline),
    durationMinutes: '90',
    capacity: '30',
    externalUrl: '',
    ...policyToForm(DEFAULT_POLICY),
    retention: examRetentionToForm(null, DEFAULT_RETENTION),
  };
}

/** The form values of an existing exam. */
export function examToForm(exam: Exam): ExamFormState {
  return {
    title: exam.title,
    description: exam.description,
    status: exam.status === 'published' ? 'published' : 'draft',
    opensAt: isoToLocalInput(exam.opensAt),
    closesAt: isoToLocalInput(exam.closesAt),
    registrationDeadline: isoToLocalInput(exam.registrationDeadline),
    durationMinutes: String(exam.durationMinutes),
    capacity: String(exam.capacity),
    externalUrl: exam.externalUrl ?? '',
    ...policyToForm(exam.policy),
    retention: examRetentionToForm(exam.retention, DEFAULT_RETENTION),
  };
}

/** Either a valid request body or the field errors (keyed like the API's paths). */
export type FormResult =
  { ok: true; body: Required<CreateExamBody> } | { ok: false; errors: Record<string, string> };

function integer(value: string, min: number, max: number): number | null {
  const n = Number(value);
  return value.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Checks the form and converts it into a create body; schedule rules are re-checked by the server. */
export function formToBody(form: ExamFormState): FormResult {
  const errors: Record<string, string> = {};
  const title = form.title.trim();
  if (!title) errors.title = 'Enter a title.';
  else if (title.length > 200) errors.title = 'Use at most 200 characters.';

  const opensAt = localInputToIso(form.opensAt);
  const closesAt = localInputToIso(form.closesAt);
  const registrationDeadline = localInputToIso(form.registrationDeadline);
  if (!opensAt) errors.opensAt = 'Enter a date and time.';
  if (!closesAt) errors.closesAt = 'Enter a date and time.';
  if (!registrationDeadline) errors.registrationDeadline = 'Enter a date and time.';

  const durationMinutes = integer(form.durationMinutes, 1, 24 * 60);
  if (durationMinutes === null) errors.durationMinutes = 'Enter whole minutes from 1 to 1440.';
  const capacity = integer(form.capacity, 1, 100_000);
  if (capacity === null) errors.capacity = 'Enter a whole number from 1 to 100000.';

  if (opensAt && closesAt) {
    const windowMinutes = (Date.parse(closesAt) - Date.parse(opensAt)) / 60_000;
    if (windowMinutes <= 0) errors.closesAt = 'The exam must close after it opens.';
    else if (durationMinutes !== null && durationMinutes > windowMinutes) {
      errors.durationMinutes = 'The duration does not fit in the exam window.';
    }
  }
  if (closesAt && registrationDeadline && Date.parse(registrationDeadline) > Date.parse(closesAt)) {
    errors.registrationDeadline = 'Registration must close before the exam closes.';
  }

  const numbers: Partial<Record<NumberKey, number>> = {};
  for (const [key, , min, max, step] of POLICY_NUMBERS) {
    const raw = form.numbers[key];
    const n = Number(raw);
    const whole = step === 1;
    if (
      raw.trim() === '' ||
      Number.isNaN(n) ||
      n < min ||
      n > max ||
      (whole && !Number.isInteger(n))
    ) {
      errors[`policy.${key}`] =
        `Enter ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}.`;
    } else numbers[key] = n;
  }

  const allowedUrls = form.allowedUrls
    .split(/\s+/)
    .map((line) => line.trim())
    .filter(Boolean);
  const badUrl = allowedUrls.find((url) => !isUrl(url));
  if (badUrl) errors['policy.allowedUrls'] = `Not a valid URL: ${badUrl}`;
  else if (allowedUrls.length > 50) errors['policy.allowedUrls'] = 'Use at most 50 URLs.';

  const externalUrl = form.externalUrl.trim();
  if (externalUrl && !isUrl(externalUrl))
    errors.externalUrl = 'Enter an http(s) URL, or leave empty.';

  const detection = detectionFormToPolicy(form.detection);
  if (!detection.ok) Object.assign(errors, detection.errors);

  const retention = form.retention.custom ? formToRules(form.retention.days) : null;
  if (retention && !retention.ok) {
    for (const [key, message] of Object.entries(retention.errors))
      errors[`retention.${key}`] = message;
  }

  if (Object.keys(errors).length > 0 || !detection.ok || (retention && !retention.ok)) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    body: {
      title,
      description: form.description,
      status: form.status,
      opensAt: opensAt!,
      closesAt: closesAt!,
      registrationDeadline: registrationDeadline!,
      durationMinutes: durationMinutes!,
      capacity: capacity!,
      policy: {
        ...form.switches,
        ...(numbers as Record<NumberKey, number>),
        ...detection.policy,
        allowedUrls,
        ltiViolationGrade: form.ltiViolationGrade,
      },
      externalUrl: externalUrl || null,
      retention: retention?.ok ? retention.rules : null,
    },
  };
}

/** The fields of `next` that differ from the exam as loaded (for PATCH). */
export function changedFields(exam: Exam, next: Required<CreateExamBody>): UpdateExamBody {
  const patch: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);
  if (next.title !== exam.title) patch.title = next.title;
  if (next.description !== exam.description) patch.description = next.description;
  if (next.status !== exam.status) patch.status = next.status;
  for (const key of ['opensAt', 'closesAt', 'registrationDeadline'] as const) {
    if (!sameInstant(next[key], exam[key])) patch[key] = next[key];
  }
  if (next.durationMinutes !== exam.durationMinutes) patch.durationMinutes = next.durationMinutes;
  if (next.capacity !== exam.capacity) patch.capacity = next.capacity;
  // Keep policy fields the form does not show (added to the policy later) as they are.
  const policy = { ...exam.policy, ...(next.policy as ProctoringPolicy) };
  if (!same(policy, exam.policy)) patch.policy = policy;
  if ((next.externalUrl ?? null) !== exam.externalUrl) patch.externalUrl = next.externalUrl;
  if (!same(next.retention, exam.retention)) patch.retention = next.retention;
  return patch as UpdateExamBody;
}
