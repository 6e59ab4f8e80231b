import type { Human } from '@vladmandic/human';
import type { NamedTensorMap, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { blurPlane, luminanceStats, type RgbImage } from './image-ops.js';

type Tf = Human['tf'];

/**
 * Face recognition for the identity check: the 128-dimension ResNet descriptor network whose
 * weights ship in the `@vladmandic/face-api` npm package (`model/face_recognition_model*`),
 * run on the same tfjs instance (and wasm backend) as the rest of detection. Only the weight
 * files come from that package; the network is evaluated here, so browser and server need no
 * second tfjs. Faces are aligned first (eyes, nose and mouth corners from the face mesh onto a
 * fixed template) and described twice, as seen and mirrored, and the two descriptors averaged:
 * on the development set this took the equal error rate from 11.8 % (human's faceres
 * embedding) to about 5 % and costs a fraction of the time (docs/detection-quality.md).
 */
export const FACE_RECOGNITION_MODEL = 'face_recognition_model';

/** Side of the aligned face crop the network takes, px. */
const SIZE = 150;
/** Per-channel means the network was trained with. */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;
/**
 * Five landmarks (subject's right eye, left eye, nose tip, right and left mouth corner) on a
 * 112 px face template; scaled to the crop with `ZOOM` (> 1 crops tighter). The zoom was chosen
 * on the development set (1.0, 1.15 and 1.3 tried; 1.15 was best).
 */
const TEMPLATE = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
] as const;
const ZOOM = 1.15;
/** Face-mesh indices of the eye corners, nose tip and mouth corners. */
const MESH = {
  rightEye: [33, 133],
  leftEye: [362, 263],
  nose: 1,
  mouthRight: 61,
  mouthLeft: 291,
} as const;

type Point = readonly (number | undefined)[];

/**
 * A face whose mean brightness is below this share of its frame's is treated as backlit
 * (a bright window or lamp behind the student). On the development set every simulated
 * backlit probe measured 0.54–0.85 and every other face 0.97 or more, except a real
 * backlit photo (0.65).
 */
export const BACKLIT_FACE_RATIO = 0.9;
/**
 * Veiling-glare removal on a backlit face crop (in crop pixels): the glare is estimated as
 * the local minimum brightness over a window of ±GLARE_MIN_RADIUS (the darkest feature
 * nearby: an eye, a nostril, hair), smoothed by two box blurs of GLARE_BLUR_RADIUS. Smaller
 * blurs followed the face's own shading and helped less.
 */
const GLARE_MIN_RADIUS = 8;
const GLARE_BLUR_RADIUS = 15;
/** Brightness mean and spread a well lit face crop has (typical of the enrolment photos). */
const FACE_MEAN = 140;
const FACE_SPREAD = 45;

/** Whether crop pixel p lies in the face oval (the template's face, without hair and background). */
function inFaceOval(p: number): boolean {
  const dx = ((p % SIZE) - SIZE / 2) / (SIZE * 0.37);
  const dy = (Math.floor(p / SIZE) - SIZE * 0.53) / (SIZE * 0.43);
  return dx * dx + dy * dy <= 1;
}

/** Minimum over ±radius along rows then columns (a square window), into a new plane. */
function minPlane(plane: Float32Array, radius: number): Float32Array {
  let src = plane;
  for (const horizontal of [true, false]) {
    const out = new Float32Array(src.length);
    for (let line = 0; line < SIZE; line++) {
      for (let k = 0; k < SIZE; k++) {
        let m = Infinity;
        for (let j = Math.max(0, k - radius); j <= Math.min(SIZE - 1, k + radius); j++) {
          const v = src[horizontal ? line * SIZE + j : j * SIZE + line]!;
          if (v < m) m = v;
        }
        out[horizontal ? line * SIZE + k : k * SIZE + line] = m;
      }
    }
    src = out;
  }
  return src;
}

/**
 * Undo backlight on an aligned face crop (SIZE × SIZE × 3, 0–255) when the face is much
 * darker than its frame; otherwise null, so that well lit faces are described exactly as
 * before. A bright light behind the subject veils the face with smooth, additive glare and
 * leaves it dim and flat. The glare is estimated and subtracted (as dehazing does), then
 * the face's brightness is stretched back to that of a well lit face. Correcting every face
 * this way made well lit faces worse (docs/detection-quality.md), hence the condition.
 */
export function correctBacklight(crop: Float32Array, frameMean: number): Float32Array | null {
  const n = SIZE * SIZE;
  const lum = new Float32Array(n);
  for (let p = 0; p < n; p++)
    lum[p] = 0.299 * crop[p * 3]! + 0.587 * crop[p * 3 + 1]! + 0.114 * crop[p * 3 + 2]!;
  const faceMean = (plane: Float32Array) => {
    let sum = 0;
    let count = 0;
    for (let p = 0; p < n; p++) {
      if (!inFaceOval(p)) continue;
      sum += plane[p]!;
      count++;
    }
    return sum / count;
  };
  if (faceMean(lum) >= BACKLIT_FACE_RATIO * frameMean) return null;
  const glare = minPlane(lum, GLARE_MIN_RADIUS);
  blurPlane(glare, SIZE, SIZE, GLARE_BLUR_RADIUS);
  blurPlane(glare, SIZE, SIZE, GLARE_BLUR_RADIUS);
  // Only the glare above its least on the face is removed: the face keeps its own level.
  let least = Infinity;
  for (let p = 0; p < n; p++) if (inFaceOval(p) && glare[p]! < least) least = glare[p]!;
  const out = new Float32Array(crop.length);
  const deglared = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const d = glare[p]! - least;
    deglared[p] = lum[p]! - d;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = crop[p * 3 + c]! - d;
  }
  const mean = faceMean(deglared);
  let spread = 0;
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (!inFaceOval(p)) continue;
    spread += (deglared[p]! - mean) ** 2;
    count++;
  }
  const gain = FACE_SPREAD / Math.max(1, Math.sqrt(spread / count));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.min(255, Math.max(0, (out[i]! - mean) * gain + FACE_MEAN));
  return out;
}

/** The five alignment landmarks of a face mesh (pixel coordinates of the analysed image). */
export function landmarksOf(mesh: readonly Point[]): [number, number][] | null {
  const at = (i: number): [number, number] | null => {
    const p = mesh[i];
    return p && p[0] !== undefined && p[1] !== undefined ? [p[0], p[1]] : null;
  };
  const mid = ([a, b]: readonly [number, number]): [number, number] | null => {
    const p = at(a);
    const q = at(b);
    return p && q ? [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2] : null;
  };
  const points = [
    mid(MESH.rightEye),
    mid(MESH.leftEye),
    at(MESH.nose),
    at(MESH.mouthRight),
    at(MESH.mouthLeft),
  ];
  return points.every((p) => p !== null) ? (points as [number, number][]) : null;
}

/**
 * The similarity transform (scale, rotation, shift) that best maps `src` onto `dst` in the
 * least-squares sense: dst ≈ [c −s; s c]·src + t.
 */
export function similarityTransform(
  src: readonly [number, number][],
  dst: readonly (readonly number[])[],
): { c: number; s: number; tx: number; ty: number } {
  const n = src.length;
  let [mx, my, ux, uy] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    mx += src[i]![0];
    my += src[i]![1];
    ux += dst[i]![0]!;
    uy += dst[i]![1]!;
  }
  [mx, my, ux, uy] = [mx / n, my / n, ux / n, uy / n];
  let [a, b, d] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [sx, sy] = [src[i]![0] - mx, src[i]![1] - my];
    const [tx, ty] = [dst[i]![0]! - ux, dst[i]![1]! - uy];
    a += sx * tx + sy * ty;
    b += sx * ty - sy * tx;
    d += sx * sx + sy * sy;
  }
  const c = a / d;
  const s = b / d;
  return { c, s, tx: ux - (c * mx - s * my), ty: uy - (s * mx + c * my) };
}

/**
 * The projective-transform row tf.image.transform wants: for each output pixel of the
 * SIZE×SIZE crop, where to sample the input image.
 */
function cropTransform(landmarks: [number, number][]): number[] {
  const { c, s, tx, ty } = similarityTransform(landmarks, TEMPLATE);
  const k = c * c + s * s;
  const [ic, is] = [c / k, s / k];
  // Output pixel → template coordinates (u = sc·x + off), then template → input (inverse).
  const sc = 112 / SIZE / ZOOM;
  const off = 56 * (1 - 1 / ZOOM);
  return [
    ic * sc,
    is * sc,
    ic * (off - tx) + is * (off - ty),
    -is * sc,
    ic * sc,
    -is * (off - tx) + ic * (off - ty),
    0,
    0,
  ];
}

type Params = Record<string, Tensor>;

/** A loaded face recognition network. */
export class FaceRecognizer {
  private constructor(
    private readonly tf: Tf,
    private readonly p: Params,
  ) {}

  /** Load the weights from `baseUrl` (which ends in "/"), through the tfjs loader. */
  static async load(tf: Tf, baseUrl: string): Promise<FaceRecognizer> {
    const manifest = (await (
      await fetch(`${baseUrl}${FACE_RECOGNITION_MODEL}-weights_manifest.json`)
    ).json()) as Parameters<Tf['io']['loadWeights']>[0];
    const weights = (await tf.io.loadWeights(
      manifest,
      baseUrl.replace(/\/$/, ''),
    )) as NamedTensorMap;
    return new FaceRecognizer(tf, weights);
  }

  /** Release the weights. */
  dispose(): void {
    this.tf.dispose(Object.values(this.p));
  }

  /**
   * The descriptor of the face whose mesh is given, in `image` (the same pixels the mesh was
   * found in). Null when the mesh lacks the alignment landmarks. A backlit face is corrected
   * first (see correctBacklight).
   */
  describe(image: RgbImage, mesh: readonly Point[]): number[] | null {
    const landmarks = landmarksOf(mesh);
    if (!landmarks) return null;
    const tf = this.tf;
    const pixels = tf.tidy(() => {
      const input = tf.expandDims(
        tf.cast(tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'), 'float32'),
        0,
      ) as Tensor4D;
      const aligned = tf.image.transform(
        input,
        tf.tensor2d([cropTransform(landmarks)], [1, 8]),
        'bilinear',
        'constant',
        0,
        [SIZE, SIZE],
      );
      // A copy: the tensor's memory is released when tidy returns.
      return (aligned.dataSync() as Float32Array).slice();
    });
    const face = correctBacklight(pixels, luminanceStats(image).mean) ?? pixels;
    return tf.tidy(() => {
      const aligned = tf.tensor4d(face, [1, SIZE, SIZE, 3]);
      const both = tf.concat([aligned, tf.reverse(aligned, 2)], 0) as Tensor4D;
      const out = this.forward(both);
      return Array.from(tf.mean(out, 0).dataSync() as Float32Array);
    });
  }

  private conv(
    x: Tensor4D,
    name: string,
    strides: 1 | 2,
    relu: boolean,
    padding: 'same' | 'valid',
  ): Tensor4D {
    const tf = this.tf;
    const w = (k: string) => this.p[`${name}/${k}`]!;
    let out = tf.add(tf.conv2d(x, w('conv/filters') as never, strides, padding), w('conv/bias'));
    out = tf.add(tf.mul(out, w('scale/weights')), w('scale/biases'));
    return (relu ? tf.relu(out) : out) as Tensor4D;
  }

  private residual(x: Tensor4D, name: string): Tensor4D {
    const tf = this.tf;
    const out = this.conv(
      this.conv(x, `${name}/conv1`, 1, true, 'same'),
      `${name}/conv2`,
      1,
      false,
      'same',
    );
    return tf.relu(tf.add(out, x)) as Tensor4D;
  }

  private residualDown(x: Tensor4D, name: string): Tensor4D {
    const tf = this.tf;
    let out = this.conv(
      this.conv(x, `${name}/conv1`, 2, true, 'valid'),
      `${name}/conv2`,
      1,
      false,
      'same',
    );
    let pooled = tf.avgPool(x, 2, 2, 'valid') as Tensor4D;
    if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
      // A strided valid convolution loses a row and a column that pooling keeps: pad them.
      out = tf.concat(
        [out, tf.zeros([out.shape[0], 1, out.shape[2], out.shape[3]])],
        1,
      ) as Tensor4D;
      out = tf.concat(
        [out, tf.zeros([out.shape[0], out.shape[1], 1, out.shape[3]])],
        2,
      ) as Tensor4D;
    }
    if (pooled.shape[3] !== out.shape[3])
      pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3) as Tensor4D;
    return tf.relu(tf.add(pooled, out)) as Tensor4D;
  }

  /** The network: a 29-layer ResNet ending in a 128-d fully connected layer. */
  private forward(batch: Tensor4D): Tensor {
    const tf = this.tf;
    const mean = tf.tensor1d([...MEAN_RGB]) as Tensor1D;
    let out = tf.div(tf.sub(batch, mean), 255) as Tensor4D;
    out = this.conv(out, 'conv32_down', 2, true, 'valid');
    out = tf.maxPool(out, 3, 2, 'valid') as Tensor4D;
    for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) out = this.residual(out, name);
    out = this.residualDown(out, 'conv64_down');
    for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) out = this.residual(out, name);
    out = this.residualDown(out, 'conv128_down');
    for (const name of ['conv128_1', 'conv128_2']) out = this.residual(out, name);
    out = this.residualDown(out, 'conv256_down');
    for (const name of ['conv256_1', 'conv256_2']) out = this.residual(out, name);
    out = this.residualDown(out, 'conv256_down_out');
    return tf.matMul(tf.mean(out, [1, 2]), this.p.fc!);
  }
}

/**
 * How alike two face descriptors are, 0..1: one minus their Euclidean distance (clamped).
 * The network was trained so that one person's faces lie within ~0.45 of each other.
 */
export function descriptorSimilarity(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.round(Math.max(0, 1 - Math.sqrt(sum)) * 10000) / 10000;
}
