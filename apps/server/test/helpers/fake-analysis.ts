import type { NodeAnalysis } from '@invigil/detection/node';

/**
 * What a stand-in Detector answers for any image: one face, with the same embedding every
 * time (so every face photo matches every ID document), under the model library `library`.
 */
export function oneFaceAnalysis(library: string): NodeAnalysis {
  return {
    width: 16,
    height: 16,
    faces: [{ box: [0, 0, 8, 8], score: 0.9, headPose: null, headTurned: false }],
    objects: [],
    timings: { total: 1 },
    models: { library, face: 'f', mesh: 'm', embedding: 'e', objects: 'o' },
    embedding: Array.from({ length: 8 }, (_, i) => (i + 1) / 8),
  };
}
