import type { FaceQualityData, FaceQualityFactor } from '@invigil/contracts';
import { descriptorSimilarity } from '../face-recognition.js';
import type { FaceQualityFacts } from '../face-quality.js';
import { DEFAULT_THRESHOLDS } from '../thresholds.js';
import type { VerificationPair } from './dataset.js';
import { ratesAt, verificationRoc } from './metrics.js';

/** What the product's pipeline made of one probe image. */
export interface ProbeOutcome {
  /** Faces found. */
  faces: number;
  embedding: number[] | undefined;
  /** The quality gate's verdict on the main face (absent without a face). */
  quality: FaceQualityData | undefined;
  /** The measurements behind it, kept in the JSON output for calibration. */
  facts: FaceQualityFacts | null;
}

/** One pair as scored: kept in the JSON output for calibration. */
export interface ScoredPair {
  a: string;
  b: string;
  same: boolean;
  similarity: number;
  decided: boolean;
  failed: FaceQualityFactor | 'no_face' | null;
  facts: FaceQualityFacts | null;
}

/** Identity figures of one condition (or lighting group). */
export interface IdentityReport {
  pairs: number;
  genuine: number;
  impostor: number;
  /** Pairs compared: the probe's face passed the quality gate. */
  decided: number;
  /** Share of pairs abstained on (insufficient quality, or no face found). */
  abstention: number;
  /** Abstentions by the factor that failed ('no_face': no face found in the probe). */
  abstainedBy: Partial<Record<FaceQualityFactor | 'no_face', number>>;
  /** Equal error rate and its threshold over the decided pairs. */
  eer: number;
  eerThreshold: number;
  /** False accepts and rejects of the decided pairs at the product threshold. */
  atProductThreshold: { threshold: number; far: number; frr: number };
  /** For comparison: every pair compared, no gate (a probe without a face scores 0). */
  ungated: { eer: number; far: number; frr: number };
  noFaceProbes: number;
  scored: ScoredPair[];
}

/**
 * Identity under the quality gate: pairs whose probe face fails the gate (or shows no face)
 * are abstained on, the rest are scored; the EER and the rates at the product threshold
 * are over the decided pairs, beside the abstention share and the ungated figures.
 */
export function identityReport(
  pairs: readonly VerificationPair[],
  enrolled: ReadonlyMap<string, number[] | undefined>,
  probes: ReadonlyMap<string, ProbeOutcome>,
): IdentityReport | undefined {
  if (pairs.length === 0) return undefined;
  const scored: ScoredPair[] = pairs.map((p) => {
    const probe = probes.get(p.b);
    const a = enrolled.get(p.a);
    const similarity = a && probe?.embedding ? descriptorSimilarity(a, probe.embedding) : 0;
    const failed =
      !probe || probe.faces === 0 || !probe.quality
        ? ('no_face' as const)
        : probe.quality.ok && probe.embedding
          ? null
          : (probe.quality.failed ?? 'pose');
    return {
      a: p.a,
      b: p.b,
      same: p.same,
      similarity,
      decided: failed === null && !!a,
      failed,
      facts: probe?.facts ?? null,
    };
  });
  return summarise(scored);
}

/** The figures of a subset of scored pairs (a lighting group). */
export function summarise(scored: ScoredPair[]): IdentityReport {
  const threshold = DEFAULT_THRESHOLDS.identityMatch;
  const split = (xs: ScoredPair[]) => ({
    genuine: xs.filter((x) => x.same).map((x) => x.similarity),
    impostor: xs.filter((x) => !x.same).map((x) => x.similarity),
  });
  const all = split(scored);
  const decided = scored.filter((x) => x.decided);
  const kept = split(decided);
  const roc = verificationRoc(kept.genuine, kept.impostor);
  const ungatedRoc = verificationRoc(all.genuine, all.impostor);
  const abstainedBy: IdentityReport['abstainedBy'] = {};
  for (const x of scored) {
    if (x.decided || !x.failed) continue;
    abstainedBy[x.failed] = (abstainedBy[x.failed] ?? 0) + 1;
  }
  const none = decided.length === 0;
  return {
    pairs: scored.length,
    genuine: all.genuine.length,
    impostor: all.impostor.length,
    decided: decided.length,
    abstention: (scored.length - decided.length) / Math.max(1, scored.length),
    abstainedBy,
    eer: none ? NaN : roc.eer,
    eerThreshold: none ? NaN : roc.eerThreshold,
    atProductThreshold: {
      threshold,
      ...(none ? { far: NaN, frr: NaN } : ratesAt(kept.genuine, kept.impostor, threshold)),
    },
    ungated: { eer: ungatedRoc.eer, ...ratesAt(all.genuine, all.impostor, threshold) },
    noFaceProbes: scored.filter((x) => x.failed === 'no_face').length,
    scored,
  };
}
