import type { NodeAnalysis } from '@invigil/detection/node';

/** A score as stored in events: three decimals are plenty and keep the JSON small. */
export const round = (n: number) => Math.round(n * 1000) / 1000;

/** The library and model files behind an analysis, for the evidence trail. */
export const modelName = (a: NodeAnalysis) =>
  `${a.models.library}: ${[
    a.models.face,
    a.models.mesh,
    a.models.embedding,
    a.models.objects,
    a.models.antispoof,
    a.models.liveness,
  ]
    .filter((m) => m !== undefined)
    .join(', ')}`;
