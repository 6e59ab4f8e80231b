import { describe, expect, it } from 'vitest';
import type { Role, User } from '@invigil/contracts';
import {
  accessToggle,
  roleChangedText,
  roleChangeLabel,
  roleChangeQuestion,
} from './account-changes';

function buildUser(overrides: Partial<User> = {}): User {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    email: 'sam@uni.example',
    name: 'Sam Student',
    role: 'student',
    disabled: false,
    createdAt: '2030-01-01T00:00:00.000Z',
    lastLoginAt: null,
    signupPending: null,
    ...overrides,
  };
}

describe('role change confirmation', () => {
  it('says what a promotion allows', () => {
    expect(roleChangeQuestion(buildUser(), 'admin')).toBe(
      'Make Sam Student an Administrator? They will be able to manage every exam, user and setting.',
    );
    expect(roleChangeQuestion(buildUser(), 'proctor')).toBe(
      'Make Sam Student a Proctor? They will be able to proctor and review the exams they are assigned to.',
    );
    expect(roleChangeQuestion(buildUser({ role: 'proctor' }), 'instructor')).toMatch(
      /^Make Sam Student an Instructor\? They will be able to create exams/,
    );
  });

  it('says what a demotion takes away, from the highest power down', () => {
    const admin = buildUser({ name: 'Ada Admin', role: 'admin' });
    expect(roleChangeQuestion(admin, 'student')).toBe(
      'Make Ada Admin a Student? They will no longer manage users and settings, create or edit exams, or proctor and review exams.',
    );
    expect(roleChangeQuestion(admin, 'instructor')).toBe(
      'Make Ada Admin an Instructor? They will no longer manage users and settings.',
    );
    expect(roleChangeQuestion(buildUser({ role: 'instructor' }), 'proctor')).toBe(
      'Make Sam Student a Proctor? They will no longer create or edit exams. They will also be removed from every exam they are assigned to as an instructor.',
    );
  });

  it('says that a proctor’s or instructor’s exam assignments are removed', () => {
    expect(roleChangeQuestion(buildUser({ role: 'proctor' }), 'student')).toBe(
      'Make Sam Student a Student? They will no longer proctor and review exams. They will also be removed from every exam they are assigned to as a proctor.',
    );
    expect(roleChangeQuestion(buildUser({ role: 'proctor' }), 'admin')).toMatch(
      /every exam they are assigned to as a proctor\.$/,
    );
    expect(roleChangeQuestion(buildUser({ role: 'student' }), 'proctor')).not.toMatch(/removed/);
  });

  it('has a question for every pair of different roles', () => {
    const roles: Role[] = ['student', 'proctor', 'instructor', 'admin'];
    for (const from of roles) {
      for (const to of roles.filter((r) => r !== from)) {
        const question = roleChangeQuestion(buildUser({ role: from }), to);
        expect(question).toMatch(/^Make Sam Student an? \w+\? They will .+\.$/);
        expect(question).not.toMatch(/no longer \./);
      }
    }
  });

  it('labels and announces the change', () => {
    expect(roleChangeLabel('admin')).toBe('Make Administrator');
    expect(roleChangedText(buildUser(), 'instructor')).toBe('Sam Student is now an Instructor.');
  });
});

describe('enable and disable confirmation', () => {
  it('disabling an active account signs them out, as a danger', () => {
    expect(accessToggle(buildUser({ disabled: false }))).toEqual({
      label: 'Disable',
      pendingLabel: 'Disabling…',
      question:
        'Disable Sam Student? They are signed out at once and cannot sign in until the account is enabled again.',
      disabled: true,
      done: 'Sam Student is disabled.',
      danger: true,
    });
  });

  it('enabling a disabled account keeps their password', () => {
    expect(accessToggle(buildUser({ disabled: true }))).toEqual({
      label: 'Enable',
      pendingLabel: 'Enabling…',
      question: 'Enable Sam Student? They can sign in again with their current password.',
      disabled: false,
      done: 'Sam Student can sign in again.',
      danger: false,
    });
  });
});
