import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { CLAIM, lisRole, mapRoles, placeholderEmail, readLaunch } from './lti-claims.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2';
const settings = { instructorRole: 'instructor', adminRole: 'instructor' } as const;

describe('lisRole', () => {
  it('reads context roles in full and short form, sub-roles by their principal role', () => {
    expect(lisRole(`${LIS}/membership#Learner`)).toBe('Learner');
    expect(lisRole('Learner')).toBe('Learner');
    expect(lisRole(`${LIS}/membership#Instructor`)).toBe('Instructor');
    expect(lisRole(`${LIS}/membership/Instructor#TeachingAssistant`)).toBe('TeachingAssistant');
    expect(lisRole(`${LIS}/membership#TeachingAssistant`)).toBe('TeachingAssistant');
    expect(lisRole(`${LIS}/membership/Learner#ExternalLearner`)).toBe('Learner');
    expect(lisRole(`${LIS}/membership#Administrator`)).toBe('Administrator');
    expect(lisRole(`${LIS}/institution/person#Administrator`)).toBe('Administrator');
  });

  it('maps nothing else', () => {
    expect(lisRole(`${LIS}/membership#Mentor`)).toBeNull();
    expect(lisRole(`${LIS}/institution/person#Student`)).toBeNull();
    expect(lisRole(`${LIS}/system/person#Administrator`)).toBeNull();
    expect(lisRole('http://example.com/roles#Learner')).toBeNull();
  });
});

describe('mapRoles', () => {
  it('maps Learner to student, instructors by the platform setting, the highest winning', () => {
    expect(mapRoles([`${LIS}/membership#Learner`], settings)).toBe('student');
    expect(mapRoles([`${LIS}/membership#Instructor`], settings)).toBe('instructor');
    expect(
      mapRoles([`${LIS}/membership#TeachingAssistant`], { ...settings, instructorRole: 'proctor' }),
    ).toBe('proctor');
    expect(mapRoles([`${LIS}/membership#Learner`, `${LIS}/membership#Instructor`], settings)).toBe(
      'instructor',
    );
  });

  it('maps Administrator as the platform says, or leaves it to the other roles', () => {
    const admin = `${LIS}/institution/person#Administrator`;
    expect(mapRoles([admin], { ...settings, adminRole: 'admin' })).toBe('admin');
    expect(mapRoles([admin], settings)).toBe('instructor');
    expect(mapRoles([admin], { ...settings, adminRole: 'none' })).toBeNull();
    expect(mapRoles([admin, `${LIS}/membership#Learner`], { ...settings, adminRole: 'none' })).toBe(
      'student',
    );
  });

  it('is null when no role maps', () => {
    expect(mapRoles([], settings)).toBeNull();
    expect(mapRoles([`${LIS}/membership#Mentor`], settings)).toBeNull();
  });
});

const base = {
  sub: 'user-1',
  nonce: 'n',
  [CLAIM.messageType]: 'LtiResourceLinkRequest',
  [CLAIM.version]: '1.3.0',
  [CLAIM.deploymentId]: 'dep-1',
  [CLAIM.roles]: [`${LIS}/membership#Learner`],
  [CLAIM.resourceLink]: { id: 'link-1', title: 'Final' },
};

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.code : 'other';
  }
  return null;
};

describe('readLaunch', () => {
  it('reads a resource link launch', () => {
    const launch = readLaunch({
      ...base,
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'Ada@Example.org',
      [CLAIM.custom]: { invigil_exam_id: 'x', n: 3 },
      [CLAIM.ags]: { scope: ['s'], lineitem: 'https://p/li/1' },
    });
    expect(launch).toMatchObject({
      messageType: 'LtiResourceLinkRequest',
      subject: 'user-1',
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      resourceLink: { id: 'link-1', title: 'Final' },
      custom: { invigil_exam_id: 'x' },
      ags: { scopes: ['s'], lineItem: 'https://p/li/1', lineItems: null },
      deepLinking: null,
    });
  });

  it('refuses what is missing or wrong as LTI_BAD_MESSAGE', () => {
    expect(codeOf(() => readLaunch({ ...base, [CLAIM.version]: '1.1' }))).toBe('LTI_BAD_MESSAGE');
    expect(codeOf(() => readLaunch({ ...base, [CLAIM.messageType]: 'Other' }))).toBe(
      'LTI_BAD_MESSAGE',
    );
    expect(codeOf(() => readLaunch({ ...base, sub: undefined }))).toBe('LTI_BAD_MESSAGE');
    expect(codeOf(() => readLaunch({ ...base, [CLAIM.resourceLink]: undefined }))).toBe(
      'LTI_BAD_MESSAGE',
    );
    expect(
      codeOf(() => readLaunch({ ...base, [CLAIM.messageType]: 'LtiDeepLinkingRequest' })),
    ).toBe('LTI_BAD_MESSAGE');
  });

  it('reads deep linking settings', () => {
    const launch = readLaunch({
      ...base,
      [CLAIM.messageType]: 'LtiDeepLinkingRequest',
      [CLAIM.resourceLink]: undefined,
      [CLAIM.deepLinkingSettings]: {
        deep_link_return_url: 'https://lms.example/dl',
        accept_types: ['ltiResourceLink'],
        data: 'opaque',
      },
    });
    expect(launch.deepLinking).toEqual({
      returnUrl: 'https://lms.example/dl',
      acceptTypes: ['ltiResourceLink'],
      acceptMultiple: false,
      data: 'opaque',
    });
  });
});

describe('placeholderEmail', () => {
  it('is stable per issuer and subject, and never deliverable', () => {
    const a = placeholderEmail('https://lms', 's1');
    expect(a).toMatch(/^lti-[0-9a-f]{16}@lti\.invalid$/);
    expect(placeholderEmail('https://lms', 's1')).toBe(a);
    expect(placeholderEmail('https://lms', 's2')).not.toBe(a);
  });
});
