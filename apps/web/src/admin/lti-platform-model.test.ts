import { describe, expect, it } from 'vitest';
import type { LtiPlatform } from '@invigil/contracts';
import { ApiError } from '../api/errors';
import {
  emptyPlatformForm,
  formToPlatformInput,
  lmsPresetFields,
  platformSaveErrors,
  platformToForm,
  splitLines,
  type LtiPlatformForm,
} from './lti-platform-model';

const buildForm = (overrides: Partial<LtiPlatformForm> = {}): LtiPlatformForm => ({
  ...emptyPlatformForm(),
  name: 'University Moodle',
  issuer: 'https://moodle.example.edu',
  clientId: 'aBc123',
  authLoginUrl: 'https://moodle.example.edu/mod/lti/auth.php',
  authTokenUrl: 'https://moodle.example.edu/mod/lti/token.php',
  jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php',
  deploymentIds: '1',
  ...overrides,
});

const buildPlatform = (overrides: Partial<LtiPlatform> = {}): LtiPlatform => ({
  id: '00000000-0000-4000-8000-000000000001',
  name: 'Canvas',
  issuer: 'https://canvas.instructure.com',
  clientId: '10000000000001',
  authLoginUrl: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
  authTokenUrl: 'https://sso.canvaslms.com/login/oauth2/token',
  tokenAudience: null,
  jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
  deploymentIds: ['12:abc', '13:def'],
  instructorRole: 'proctor',
  adminRole: 'none',
  createdVia: 'manual',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  linkCount: 2,
  ...overrides,
});

describe('splitLines', () => {
  it('keeps each non-empty trimmed line once, in order', () => {
    expect(splitLines(' a \r\n\nb\na\n  \n c')).toEqual(['a', 'b', 'c']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('formToPlatformInput', () => {
  it('builds the request body: deployment ids by line, an empty audience as null', () => {
    const result = formToPlatformInput(
      buildForm({ deploymentIds: '1\n\n 2 \n1', tokenAudience: '  ' }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.input).toMatchObject({
      name: 'University Moodle',
      clientId: 'aBc123',
      deploymentIds: ['1', '2'],
      tokenAudience: null,
      instructorRole: 'instructor',
      adminRole: 'instructor',
    });
  });

  it('keeps a named token audience', () => {
    const result = formToPlatformInput(
      buildForm({ tokenAudience: 'https://api.brightspace.com/auth/token' }),
    );
    expect(result.ok && result.input.tokenAudience).toBe('https://api.brightspace.com/auth/token');
  });

  it('reports every missing or malformed field at once, in the contract’s words', () => {
    const result = formToPlatformInput({
      ...emptyPlatformForm(),
      authLoginUrl: 'moodle.example.edu/auth',
      authTokenUrl: 'ftp://x.example/token',
    });
    if (result.ok) throw new Error('accepted');
    expect(result.errors.name).toBe('Give the platform a name.');
    expect(result.errors.issuer).toMatch(/issuer/);
    expect(result.errors.clientId).toMatch(/client ID/);
    expect(result.errors.authLoginUrl).toMatch(/https:\/\//);
    expect(result.errors.authTokenUrl).toMatch(/https:\/\//);
    expect(result.errors.jwksUrl).toBeTruthy();
    expect(result.errors.deploymentIds).toMatch(/at least one deployment/);
  });

  it('explains an over-long deployment id on the deployment field', () => {
    const result = formToPlatformInput(buildForm({ deploymentIds: 'x'.repeat(501) }));
    expect(!result.ok && result.errors.deploymentIds).toMatch(/500 characters/);
  });
});

describe('platformToForm', () => {
  it('round-trips a saved registration', () => {
    const platform = buildPlatform({ tokenAudience: 'aud' });
    const form = platformToForm(platform);
    expect(form.deploymentIds).toBe('12:abc\n13:def');
    const result = formToPlatformInput(form);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.input).toEqual({
      name: platform.name,
      issuer: platform.issuer,
      clientId: platform.clientId,
      authLoginUrl: platform.authLoginUrl,
      authTokenUrl: platform.authTokenUrl,
      tokenAudience: 'aud',
      jwksUrl: platform.jwksUrl,
      deploymentIds: platform.deploymentIds,
      instructorRole: 'proctor',
      adminRole: 'none',
    });
  });

  it('shows a missing audience as an empty field', () => {
    expect(platformToForm(buildPlatform()).tokenAudience).toBe('');
  });
});

describe('platformSaveErrors', () => {
  it('puts a duplicate registration on the issuer and client id', () => {
    const error = new ApiError({ status: 409, code: 'LTI_PLATFORM_EXISTS', message: 'exists' });
    const errors = platformSaveErrors(error);
    expect(errors.issuer).toMatch(/Another registration/);
    expect(errors.clientId).toBe(errors.issuer);
  });

  it('maps validation details to the form’s fields and ignores unknown paths', () => {
    const error = new ApiError({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'bad',
      details: [
        { path: '/jwksUrl', message: 'Not reachable' },
        { path: ['deploymentIds', 0], message: 'Too long' },
        { path: '/somethingElse', message: 'x' },
      ],
    });
    expect(platformSaveErrors(error)).toEqual({
      jwksUrl: 'Not reachable',
      deploymentIds: 'Too long',
    });
  });

  it('has no field errors for other failures', () => {
    expect(platformSaveErrors(new Error('offline'))).toEqual({});
  });
});

describe('lmsPresetFields', () => {
  it('derives Moodle’s endpoints from its site address (sub-path kept, slash dropped)', () => {
    expect(lmsPresetFields('moodle', 'https://lms.example.edu/moodle/')).toEqual({
      issuer: 'https://lms.example.edu/moodle',
      authLoginUrl: 'https://lms.example.edu/moodle/mod/lti/auth.php',
      authTokenUrl: 'https://lms.example.edu/moodle/mod/lti/token.php',
      tokenAudience: '',
      jwksUrl: 'https://lms.example.edu/moodle/mod/lti/certs.php',
    });
  });

  it('gives Brightspace its shared token service and audience', () => {
    const fields = lmsPresetFields('brightspace', 'https://school.brightspace.com');
    expect(fields?.authLoginUrl).toBe('https://school.brightspace.com/d2l/lti/authenticate');
    expect(fields?.jwksUrl).toBe('https://school.brightspace.com/d2l/.well-known/jwks');
    expect(fields?.tokenAudience).toBe('https://api.brightspace.com/auth/token');
  });

  it('needs a valid site address for per-site LMSs', () => {
    expect(lmsPresetFields('moodle', '')).toBeNull();
    expect(lmsPresetFields('brightspace', 'not a url')).toBeNull();
    expect(lmsPresetFields('moodle', 'ftp://lms.example.edu')).toBeNull();
  });

  it('uses hosted Canvas’s shared endpoints whatever the site', () => {
    expect(lmsPresetFields('canvas', '')?.issuer).toBe('https://canvas.instructure.com');
  });

  it('names Blackboard’s key set by the client id, and leaves it empty until known', () => {
    expect(lmsPresetFields('blackboard', '', 'app-1')?.jwksUrl).toBe(
      'https://developer.anthology.com/api/v1/management/applications/app-1/jwks.json',
    );
    expect(lmsPresetFields('blackboard', '')?.jwksUrl).toBe('');
  });

  it('produces fields that pass the contract once a name, client id and deployment are added', () => {
    for (const kind of ['moodle', 'canvas', 'brightspace', 'blackboard'] as const) {
      const fields = lmsPresetFields(kind, 'https://lms.example.edu', 'c1');
      const result = formToPlatformInput(buildForm({ ...fields }));
      expect(result.ok, kind).toBe(true);
    }
  });
});
