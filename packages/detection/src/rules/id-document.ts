import {
  DEFAULT_DETECTOR_RULES,
  DetectEnrolmentData,
  DetectIdDocumentData,
  SERVER_DETECT_EVENTS,
} from '@invigil/contracts';
import type { EffectiveRules } from './effective-rules.js';
import type { Condition, RuleEvent } from './types.js';

/** Server events of one kind whose data parses, in the given (time) order. */
function serverData<T>(
  events: readonly RuleEvent[],
  type: string,
  schema: { safeParse(d: unknown): { success: true; data: T } | { success: false } },
): { atMs: number; data: T }[] {
  const out: { atMs: number; data: T }[] = [];
  for (const e of events) {
    if (e.source !== 'server' || e.type !== type) continue;
    const parsed = schema.safeParse(e.data);
    if (parsed.success) out.push({ atMs: e.atMs, data: parsed.data });
  }
  return out;
}

const condition = (
  key: string,
  atMs: number,
  confidence: number,
  model: string,
  snapshotIds: string[],
  detail: string,
  type: 'id_document_mismatch' | 'identity_mismatch' = 'id_document_mismatch',
): Condition => ({
  key: `server:${type}:${key}`,
  type,
  source: 'server',
  startMs: atMs,
  endMs: atMs,
  confidence,
  model,
  // A still photo is judged once: one observation is the whole evidence.
  instant: true,
  identityPhotos: true,
  snapshotIds,
  detail,
});

/**
 * The identity photos judged by the server: an `id_document_mismatch` condition when an ID
 * document photo shows no face, when its face is less similar to the reference face than the
 * exam's identity_mismatch threshold (each document and face pair compared is judged on its
 * own, so a later photo never erases an earlier mismatch), or when the newest identity photo
 * shows no single face, which leaves nothing to compare the document and the webcam with.
 * A face photo taken under a re-enrolment request is an `identity_mismatch` condition, with
 * both photos as evidence, when it is less similar to the check-in face photo than that
 * threshold, or when it became the reference without a check-in face to compare it with.
 */
export function idDocumentConditions(
  events: readonly RuleEvent[],
  rules: EffectiveRules,
): Condition[] {
  const threshold =
    rules.identity_mismatch.threshold ?? DEFAULT_DETECTOR_RULES.identity_mismatch.threshold ?? 0;
  const found = new Map<string, Condition>();
  for (const { atMs, data: d } of serverData(
    events,
    SERVER_DETECT_EVENTS.idDocument,
    DetectIdDocumentData,
  )) {
    const photos = [d.snapshotId, ...(d.faceSnapshotId ? [d.faceSnapshotId] : [])];
    if (d.faces === 0) {
      found.set(
        d.snapshotId,
        condition(
          d.snapshotId,
          atMs,
          0.8,
          d.model,
          [d.snapshotId],
          'no face found on the ID document',
        ),
      );
    } else if (d.similarity !== null && d.faceSnapshotId && d.similarity < threshold) {
      const key = `${d.snapshotId}:${d.faceSnapshotId}`;
      found.set(
        key,
        condition(
          key,
          atMs,
          Math.min(1, Math.max(0, 1 - d.similarity)),
          d.model,
          photos,
          `similarity ${d.similarity.toFixed(2)}`,
        ),
      );
    }
  }
  const enrolments = serverData(events, SERVER_DETECT_EVENTS.enrolment, DetectEnrolmentData);
  for (const { atMs, data: d } of enrolments) {
    const c = d.checkIn;
    if (!c) continue;
    const key = `check_in:${d.snapshotId}`;
    const photos = [c.snapshotId, d.snapshotId];
    if (c.similarity !== null && c.similarity < threshold) {
      found.set(
        key,
        condition(
          key,
          atMs,
          Math.min(1, Math.max(0, 1 - c.similarity)),
          d.model,
          photos,
          `new identity photo against the check-in photo: similarity ${c.similarity.toFixed(2)}`,
          'identity_mismatch',
        ),
      );
    } else if (c.similarity === null && d.enrolled) {
      found.set(
        key,
        condition(
          key,
          atMs,
          0.6,
          d.model,
          photos,
          c.faces === 1
            ? 'the face on the check-in photo could not be measured, so the new identity photo was not compared with it'
            : `the check-in photo shows ${c.faces} faces, so the new identity photo was not compared with it`,
          'identity_mismatch',
        ),
      );
    }
  }
  const newest = enrolments.reduce<(typeof enrolments)[number] | undefined>(
    (best, e) => (!best || e.data.snapshotSeq >= best.data.snapshotSeq ? e : best),
    undefined,
  );
  // A new photo refused as the reference for not matching the check-in face was measured:
  // the condition above says so, not this one.
  if (newest && !newest.data.enrolled && (newest.data.checkIn?.similarity ?? null) === null) {
    const d = newest.data;
    found.set(
      `face:${d.snapshotId}`,
      condition(
        `face:${d.snapshotId}`,
        newest.atMs,
        0.6,
        d.model,
        [d.snapshotId],
        d.faces === 1
          ? 'the face on the identity photo could not be measured, so nothing can be compared with it'
          : `the identity photo shows ${d.faces} faces, so nothing can be compared with it`,
      ),
    );
  }
  return [...found.values()];
}
