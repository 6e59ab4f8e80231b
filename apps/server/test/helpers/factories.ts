import type { CreateExamBody } from '@invigil/contracts';

const HOUR = 3_600_000;

/**
 * A valid exam body, open now for a week, with registration open; override any field. It is
 * published at once, so it names an external exam page (a published exam needs questions or
 * one); tests that author questions keep it, tests of the rule override `externalUrl: null`.
 */
export function buildExam(
  overrides: Partial<CreateExamBody> = {},
  now = Date.now(),
): CreateExamBody {
  return {
    title: 'Linear Algebra midterm',
    description: 'Chapters 1–4',
    status: 'published',
    opensAt: new Date(now - HOUR).toISOString(),
    closesAt: new Date(now + 7 * 24 * HOUR).toISOString(),
    durationMinutes: 90,
    capacity: 30,
    registrationDeadline: new Date(now + 6 * 24 * HOUR).toISOString(),
    externalUrl: 'https://exam-page.example/linear-algebra',
    ...overrides,
  };
}
