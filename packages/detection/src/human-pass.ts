import type { Human, Result } from '@vladmandic/human';
import type { ModelInfo } from './analysis.js';
import { humanConfig, MODEL_FILES, type DetectorParts } from './human-config.js';
import type { RgbImage } from './image-ops.js';

/**
 * One pass of the library over an image with the given parts on. The image goes in as a
 * tensor, so human's own canvas filters never run and browser and server see the same
 * numbers.
 */
export async function runPass(
  human: Human,
  urls: { modelBasePath: string; wasmPath: string },
  image: RgbImage,
  parts: DetectorParts,
): Promise<Result> {
  const tensor = human.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    return await human.detect(tensor, humanConfig(urls, parts));
  } finally {
    tensor.dispose();
  }
}

/** The model names and library version of a loaded instance, for the evidence trail. */
export function modelInfo(human: Human): ModelInfo {
  const loaded = new Set(human.models.loaded());
  return {
    library: `human ${human.version} (tfjs ${human.tf.version_core} ${human.tf.getBackend()})`,
    face: MODEL_FILES.face,
    mesh: MODEL_FILES.mesh,
    embedding: MODEL_FILES.embedding,
    objects: MODEL_FILES.objects,
    // Only where they are loaded (the server): the browser never runs them.
    ...(loaded.has('antispoof') && { antispoof: MODEL_FILES.antispoof }),
    ...(loaded.has('liveness') && { liveness: MODEL_FILES.liveness }),
  };
}
