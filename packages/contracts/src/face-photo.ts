import { z } from 'zod';

/**
 * Why a check-in face photo cannot be used (`422 FACE_PHOTO_REJECTED`, `details.problem`):
 * no face, several, too dark or too blurred; a face the identity quality gate would not
 * compare (too small, washed out by light, too grainy, turned away); or a face the
 * recognition network could not describe (covered).
 */
export const FacePhotoProblem = z.enum([
  'no_face',
  'several_faces',
  'too_dark',
  'too_blurred',
  'too_small',
  'too_bright',
  'too_noisy',
  'turned_away',
  'unclear',
]);
export type FacePhotoProblem = z.infer<typeof FacePhotoProblem>;

/** What the student is told for each problem: what is wrong and what to do. */
export const FACE_PHOTO_PROBLEM_TEXT: Record<FacePhotoProblem, string> = {
  no_face: 'No face was found in the photo. Sit facing the camera, inside the oval, and retake it.',
  several_faces:
    'More than one face is in the photo. Make sure only you are in view (no other people or photos of faces) and retake it.',
  too_dark: 'The photo is too dark. Turn on a light or face a window, then retake it.',
  too_blurred:
    'The photo is too blurred. Hold still, wipe the camera lens if needed, and retake it.',
  too_small:
    'Your face is too small in the photo. Move closer to the camera, so that your face fills more of the picture, and retake it.',
  too_bright:
    'Your face is washed out by too much light. Move out of direct sunlight or away from a bright lamp, and retake it.',
  too_noisy:
    'The photo is too grainy, as cameras are in dim light. Turn on more light in front of you and retake it.',
  turned_away: 'Your face is turned away. Look straight at the camera and retake it.',
  unclear:
    'Your face is not clear enough to be recognised. Look straight at the camera without anything covering your face, and retake it.',
};

/**
 * `POST /api/sessions/:id/face-photo-check` answer for a usable photo (a problem is 422
 * FACE_PHOTO_REJECTED): what the server measured, nothing stored. `checked` is false when the
 * server runs no detectors (DETECTION_ENABLED=false) and so cannot judge.
 */
export const FacePhotoCheck = z.object({
  ok: z.literal(true),
  checked: z.boolean(),
  faces: z.number().int(),
  luminance: z.number().nullable(),
  sharpness: z.number().nullable(),
});
export type FacePhotoCheck = z.infer<typeof FacePhotoCheck>;

/** `details` of a 422 FACE_PHOTO_REJECTED. */
export const FacePhotoRejection = z.object({
  problem: FacePhotoProblem,
  faces: z.number().int(),
  /** Of the face (or, without one, the whole photo); null when the detector did not measure. */
  luminance: z.number().nullable(),
  sharpness: z.number().nullable(),
});
export type FacePhotoRejection = z.infer<typeof FacePhotoRejection>;
