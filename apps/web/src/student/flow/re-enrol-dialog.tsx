import type { Intervention, StudentPolicy } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';
import { IdentityStep } from './identity-step';
import { CaptureRequestDialog, type CaptureRequestWords } from './intervention-dialogs';

const RE_ENROL_WORDS: CaptureRequestWords = {
  title: 'The proctor asks for new identity photos',
  uploading: 'Uploading your new photos…',
  notUploaded:
    'Your new photos have not finished uploading. Check your connection, then send them again.',
  failed: 'Could not send the new photos',
  sendAgain: 'Send the new photos again',
  captureAgain: 'Take the photos again',
};

/**
 * A proctor's request for new identity photos during the exam: the check-in identity step
 * again (a face photo, then the ID document), stored under new sequence numbers beside the
 * earlier photos, which stay.
 */
export function ReEnrolDialog({
  intervention,
  capture,
  policy,
  onAcknowledge,
  onComplete,
}: {
  intervention: Intervention;
  capture: CaptureSession;
  /** What must be live before the photos can be taken (turned back on after a reload). */
  policy: StudentPolicy;
  onAcknowledge: (intervention: Intervention) => Promise<void>;
  onComplete: (intervention: Intervention) => Promise<void>;
}) {
  return (
    <CaptureRequestDialog
      id={`reenrol-${intervention.id}`}
      intervention={intervention}
      capture={capture}
      policy={policy}
      words={RE_ENROL_WORDS}
      missingCode="IDENTITY_PHOTOS_MISSING"
      onAcknowledge={onAcknowledge}
      onComplete={onComplete}
      step={(onDone) => (
        <IdentityStep
          capture={capture}
          doneLabel="Send the new photos"
          onDone={onDone}
          // Checked at once, as at check-in: the server refuses a photo without one clear face.
          faceCheck={policy.facePhotoCheck ? { sessionId: intervention.sessionId } : undefined}
        />
      )}
    >
      <p>
        Take a new photo of your face and of your identity document. Your earlier photos are kept.
        Your exam timer keeps running unless the proctor paused it.
      </p>
    </CaptureRequestDialog>
  );
}
