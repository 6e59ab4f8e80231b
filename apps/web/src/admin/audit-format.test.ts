import { describe, expect, it } from 'vitest';
import { summariseData } from './audit-format';

describe('summariseData', () => {
  it('renders objects, arrays and scalars compactly', () => {
    expect(summariseData(null)).toBe('');
    expect(summariseData({})).toBe('');
    expect(summariseData('x')).toBe('x');
    expect(summariseData({ title: 'A', users: ['a@x', 'b@x'], policy: { webcam: true } })).toBe(
      'title: A; users: a@x, b@x; policy: {"webcam":true}',
    );
  });
});
