import { describe, expect, it } from 'vitest';
import { parseApiError } from '../api/errors';
import { splitExamErrors } from './exam-errors';

describe('splitExamErrors', () => {
  it('puts known paths beside fields and the rest in the summary', () => {
    const error = parseApiError(
      400,
      JSON.stringify({
        code: 'VALIDATION_FAILED',
        message: 'Invalid',
        details: [
          { path: 'body.title', message: 'Too small' },
          { path: 'body.policy.allowedUrls.2', message: 'Invalid URL' },
          { path: 'body.policy.unknownThing', message: 'Unrecognized key' },
        ],
      }),
    );
    expect(splitExamErrors(error)).toEqual({
      fields: { title: 'Too small', 'policy.allowedUrls': 'Invalid URL' },
      summary: ['policy.unknownThing: Unrecognized key'],
    });
  });

  it('summarises errors without details', () => {
    const error = parseApiError(
      400,
      JSON.stringify({
        code: 'INVALID_EXAM_SCHEDULE',
        message: 'The exam must close after it opens',
      }),
    );
    expect(splitExamErrors(error)).toEqual({
      fields: {},
      summary: ['The exam must close after it opens'],
    });
  });
});
