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

  it('puts detection rule errors beside the rule, the older looking-away field too', () => {
    const error = parseApiError(
      400,
      JSON.stringify({
        code: 'VALIDATION_FAILED',
        message: 'Invalid',
        details: [
          { path: '/policy/detectors/phone/threshold', message: 'Too big' },
          { path: '/policy/gazeAwaySeconds', message: 'Too small' },
          { path: '/policy/serverAnalysisSeconds', message: 'Too big' },
        ],
      }),
    );
    expect(splitExamErrors(error)).toEqual({
      fields: {
        'policy.detectors.phone.threshold': 'Too big',
        'policy.detectors.head_turned.minSeconds': 'Too small',
        'policy.serverAnalysisSeconds': 'Too big',
      },
      summary: [],
    });
  });

  it('puts the refusal to publish an empty exam beside the status or the external page', () => {
    const refusal = (path: string) =>
      parseApiError(
        409,
        JSON.stringify({
          code: 'EXAM_EMPTY',
          message: 'Add questions or an external exam page before publishing',
          details: [{ path, message: 'Add questions or an external exam page before publishing' }],
        }),
      );
    expect(splitExamErrors(refusal('status'))).toEqual({
      fields: { status: 'Add questions or an external exam page before publishing' },
      summary: [],
    });
    expect(splitExamErrors(refusal('externalUrl')).fields).toEqual({
      externalUrl: 'Add questions or an external exam page before publishing',
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
