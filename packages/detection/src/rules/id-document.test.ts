import { describe, expect, it } from 'vitest';
import type { DetectEnrolmentData, DetectIdDocumentData } from '@invigil/contracts';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import { idDocumentConditions } from './id-document.js';
import type { RuleEvent } from './types.js';

const T = 1_900_000_000_000;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const DOC = id(1);
const FACE = id(2);

const document = (over: Partial<DetectIdDocumentData> = {}, atMs = T): RuleEvent => ({
  source: 'server',
  type: 'detect.id_document',
  atMs,
  data: {
    snapshotId: DOC,
    snapshotSeq: 0,
    faces: 1,
    faceSnapshotId: FACE,
    faceSnapshotSeq: 0,
    similarity: 0.8,
    match: true,
    model: 'server-1',
    ...over,
  } satisfies DetectIdDocumentData,
});
const enrolment = (over: Partial<DetectEnrolmentData> = {}): RuleEvent => ({
  source: 'server',
  type: 'detect.enrolment',
  atMs: T - 5000,
  data: {
    snapshotId: FACE,
    snapshotSeq: 0,
    faces: 1,
    enrolled: true,
    model: 'server-1',
    ...over,
  } satisfies DetectEnrolmentData,
});

const rules = effectiveRules();

describe('idDocumentConditions', () => {
  it('finds nothing when the document matches the face photo', () => {
    expect(idDocumentConditions([enrolment(), document()], rules)).toEqual([]);
  });

  it('judges a similarity under the exam’s identity_mismatch threshold a mismatch', () => {
    const [c] = idDocumentConditions(
      [enrolment(), document({ similarity: 0.3, match: false })],
      rules,
    );
    expect(c).toMatchObject({
      type: 'id_document_mismatch',
      source: 'server',
      startMs: T,
      endMs: T,
      instant: true,
      snapshotIds: [DOC, FACE],
      detail: 'similarity 0.30',
    });
    expect(c?.confidence).toBeCloseTo(0.7);
    // A lower threshold (an accommodation or the exam's rule) lets the same pair pass.
    const lenient = effectiveRules({
      detectors: { identity_mismatch: { ...rules.identity_mismatch, threshold: 0.25 } },
    });
    expect(idDocumentConditions([document({ similarity: 0.3 })], lenient)).toEqual([]);
  });

  it('flags a document without a face, and waits while no face photo was compared', () => {
    const noFace = idDocumentConditions(
      [document({ faces: 0, similarity: null, match: null })],
      rules,
    );
    expect(noFace.map((c) => c.detail)).toEqual(['no face found on the ID document']);
    const pending = document({
      faceSnapshotId: null,
      faceSnapshotSeq: null,
      similarity: null,
      match: null,
    });
    expect(idDocumentConditions([pending], rules)).toEqual([]);
  });

  it('keeps a mismatch with an earlier face photo when a later pair matches', () => {
    const later = id(3);
    const events = [
      document({ similarity: 0.2, match: false }),
      document({ faceSnapshotId: later, faceSnapshotSeq: 1, similarity: 0.9 }),
    ];
    expect(idDocumentConditions(events, rules).map((c) => c.key)).toEqual([
      `server:id_document_mismatch:${DOC}:${FACE}`,
    ]);
  });

  it('flags a newest identity photo without exactly one face', () => {
    const twoFaces = enrolment({ snapshotId: id(4), snapshotSeq: 1, faces: 2, enrolled: false });
    const [c] = idDocumentConditions([enrolment(), twoFaces], rules);
    expect(c?.detail).toMatch(/shows 2 faces/);
    // A newer photo with one face answers it.
    const fixed = enrolment({ snapshotId: id(5), snapshotSeq: 2 });
    expect(idDocumentConditions([enrolment(), twoFaces, fixed], rules)).toEqual([]);
  });

  it('flags a re-enrolment face photo that does not match the check-in photo, with both photos', () => {
    const NEW = id(6);
    const reEnrolled = (similarity: number | null, over: Partial<DetectEnrolmentData> = {}) =>
      enrolment({
        snapshotId: NEW,
        snapshotSeq: 1,
        enrolled: similarity !== null && similarity >= 0.555,
        checkIn: {
          snapshotId: FACE,
          snapshotSeq: 0,
          faces: 1,
          similarity,
          match: similarity === null ? null : similarity >= 0.555,
        },
        ...over,
      });
    const [swap, ...rest] = idDocumentConditions([enrolment(), reEnrolled(0.31)], rules);
    // Refused as the reference for not matching: no "could not be measured" condition.
    expect(rest).toEqual([]);
    expect(swap).toMatchObject({
      key: `server:identity_mismatch:check_in:${NEW}`,
      type: 'identity_mismatch',
      source: 'server',
      instant: true,
      snapshotIds: [FACE, NEW],
      detail: 'new identity photo against the check-in photo: similarity 0.31',
    });
    expect(swap?.confidence).toBeCloseTo(0.69);
    // The same person again: nothing.
    expect(idDocumentConditions([enrolment(), reEnrolled(0.8)], rules)).toEqual([]);
    // A check-in photo without one face leaves the new reference uncompared: flagged too.
    const uncompared = enrolment({
      snapshotId: NEW,
      snapshotSeq: 1,
      checkIn: { snapshotId: FACE, snapshotSeq: 0, faces: 0, similarity: null, match: null },
    });
    expect(idDocumentConditions([uncompared], rules).map((c) => [c.type, c.detail])).toEqual([
      [
        'identity_mismatch',
        'the check-in photo shows 0 faces, so the new identity photo was not compared with it',
      ],
    ]);
    const [flag] = deriveFlags([enrolment(), reEnrolled(0.31)], rules, T + 1000);
    expect(flag).toMatchObject({
      type: 'identity_mismatch',
      severity: 'high',
      endMs: T - 5000,
      evidence: { snapshotIds: [FACE, NEW] },
      message:
        'The face did not match the identity photo (new identity photo against the check-in photo: similarity 0.31)',
    });
  });

  it('becomes a flag at once with a message that names the finding, unless switched off', () => {
    const events = [document({ similarity: 0.1, match: false })];
    const [flag] = deriveFlags(events, rules, T + 1000);
    expect(flag).toMatchObject({
      type: 'id_document_mismatch',
      severity: 'high',
      detector: 'server:id_document_mismatch',
      message: 'The ID document does not match the face photo (similarity 0.10)',
    });
    const off = effectiveRules({
      detectors: { id_document_mismatch: { ...rules.id_document_mismatch, enabled: false } },
    });
    expect(deriveFlags(events, off, T + 1000)).toEqual([]);
  });
});
