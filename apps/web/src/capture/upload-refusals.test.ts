import { describe, expect, it } from 'vitest';
import { isPermanentRefusal, refusalMessage } from './upload-refusals';

describe('upload refusals', () => {
  it('tells the student in words why a face photo was refused, and to tell the proctor', () => {
    // A photo without one clear face is refused for good: sending it again cannot help.
    expect(isPermanentRefusal(422, 'FACE_PHOTO_REJECTED')).toBe(true);
    const message = refusalMessage('FACE_PHOTO_REJECTED');
    expect(message).toMatch(/face photo/);
    expect(message).toMatch(/exactly one face/);
    expect(message).toMatch(/proctor/);
    expect(message).not.toMatch(/FACE_PHOTO_REJECTED/);
  });
});
