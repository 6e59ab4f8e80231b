import { describe, expect, it } from 'vitest';
import { afterSignInPath, canOpen, homePath, isStaff } from './roles';

describe('role routing', () => {
  it('sends each role home', () => {
    expect(homePath('student')).toBe('/student');
    expect(homePath('proctor')).toBe('/proctor');
    expect(homePath('instructor')).toBe('/admin/exams');
    expect(homePath('admin')).toBe('/admin/exams');
  });

  it('knows who is staff', () => {
    expect(isStaff('student')).toBe(false);
    expect(isStaff('proctor')).toBe(true);
  });

  it('limits areas by role', () => {
    expect(canOpen('student', '/student')).toBe(true);
    expect(canOpen('student', '/admin/exams')).toBe(false);
    expect(canOpen('instructor', '/admin/exams/123')).toBe(true);
    expect(canOpen('instructor', '/admin/users')).toBe(false);
    expect(canOpen('admin', '/admin/users')).toBe(true);
    expect(canOpen('proctor', '/proctorx')).toBe(false);
  });

  it('returns to the requested page only when allowed', () => {
    expect(afterSignInPath('admin', '/admin/users?q=a')).toBe('/admin/users?q=a');
    expect(afterSignInPath('student', '/admin/users')).toBe('/student');
    expect(afterSignInPath('student', '//evil.example')).toBe('/student');
    expect(afterSignInPath('proctor', null)).toBe('/proctor');
    // A link to a review, opened signed out, leads back to it.
    for (const role of ['proctor', 'instructor', 'admin'] as const) {
      expect(afterSignInPath(role, '/review/sessions/abc')).toBe('/review/sessions/abc');
      expect(afterSignInPath(role, '/review/exams/abc')).toBe('/review/exams/abc');
    }
    expect(afterSignInPath('student', '/review/sessions/abc')).toBe('/student');
  });
});
