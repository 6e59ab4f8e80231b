import type { TestResponse } from '../http-client.js';

/** Who calls a route in the bad-input suites. */
export type Who = 'anonymous' | 'student' | 'admin' | 'proctor';

/** A route with a body or path parameters, the caller allowed to use it, and valid input. */
export interface Target {
  op: string;
  who: Who;
  params?: () => Record<string, string>;
  body?: () => Record<string, unknown>;
  /** The body is raw bytes of media types (uploads): JSON bodies are 415, not 400. */
  raw?: true;
}

/** A named request that sends one value out of contract. */
export type ValueCase = [name: string, call: () => Promise<TestResponse>];

/** An id no question, intervention, hand or link has (only its shape is checked first). */
export const ANY_QUESTION = crypto.randomUUID();
/** An id no flag has. */
export const ANY_FLAG = crypto.randomUUID();

/** A valid learning platform registration (LTI 1.3); `clientId` tells registrations apart. */
export const ltiPlatform = (clientId = 'bad-input-client'): Record<string, unknown> => ({
  name: 'Bad input LMS',
  issuer: 'https://lms.bad-input.example',
  clientId,
  authLoginUrl: 'https://lms.bad-input.example/auth',
  authTokenUrl: 'https://lms.bad-input.example/token',
  jwksUrl: 'https://lms.bad-input.example/jwks',
  deploymentIds: ['1'],
});
