import type { Exam } from '@invigil/contracts';

/** Orders exams: drafts and published first by opening time, archived last. */
export function sortExams<T extends Pick<Exam, 'status' | 'opensAt'>>(exams: readonly T[]): T[] {
  return [...exams].sort(
    (a, b) =>
      Number(a.status === 'archived') - Number(b.status === 'archived') ||
      Date.parse(a.opensAt) - Date.parse(b.opensAt),
  );
}
