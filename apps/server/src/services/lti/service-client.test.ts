import { describe, expect, it } from 'vitest';
import { nextLink, scoresUrl } from './service-client.js';

describe('nextLink', () => {
  it('finds the rel="next" entry among several', () => {
    const header =
      '<https://lms.example/nrps/1?page=1>; rel="first", <https://lms.example/nrps/1?page=3>; rel="next"';
    expect(nextLink(header)).toBe('https://lms.example/nrps/1?page=3');
  });

  it('accepts unquoted and multi-valued rel, and commas inside URLs', () => {
    expect(nextLink('<https://lms.example/a?x=1,2>; rel=next')).toBe('https://lms.example/a?x=1,2');
    expect(nextLink('<https://lms.example/b>; rel="prev next"')).toBe('https://lms.example/b');
  });

  it('is undefined without a next page', () => {
    expect(nextLink(null)).toBeUndefined();
    expect(nextLink('<https://lms.example/a>; rel="prev"')).toBeUndefined();
    expect(nextLink('<https://lms.example/a>; rel="nextish"')).toBeUndefined();
  });
});

describe('scoresUrl', () => {
  it('appends /scores to the path and keeps the query (Moodle line items carry one)', () => {
    expect(
      scoresUrl('https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1'),
    ).toBe('https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1');
    expect(scoresUrl('https://lms.example/ags/c/lineitems/1/')).toBe(
      'https://lms.example/ags/c/lineitems/1/scores',
    );
  });
});
