import type { Human, Result } from '@vladmandic/human';
import type { FrameAnalysis, ModelInfo } from '../analysis.js';
import { ALL_PARTS, humanConfig, MODEL_FILES, type DetectorParts } from '../human-config.js';
import { modelInfo, runPass } from '../human-pass.js';
import { FaceRecognizer } from '../face-recognition.js';
import type { FaceQualityFacts } from '../face-quality.js';
import type { RgbImage } from '../image-ops.js';
import { analyseFrame } from '../pipeline.js';
import { regionQuality, type RegionQuality } from '../region-quality.js';
import { DEFAULT_THRESHOLDS, type DetectionThresholds } from '../thresholds.js';
import { decodeImage } from './decode.js';
import { assetUrls, loadHumanModule } from './load-human.js';

/** Options for one analysis. */
export interface AnalyzeOptions {
  /** Detectors to run (default: all). */
  parts?: Partial<DetectorParts>;
  /** Embedding of the enrolled face; adds an identity finding for the main face. */
  enrolled?: readonly number[];
  /** Also search large frames tile by tile for small faces (default true). */
  tiles?: boolean;
  /**
   * Also look for objects on overlapping tiles, so that a phone small in the frame is found
   * (four more object passes). Off by default: on the development set the tiles found no
   * more phones on normal frames and added false ones on dark and noisy frames
   * (docs/detection-quality.md), at three to four times the object pass's cost.
   */
  objectTiles?: boolean;
  /**
   * Also measure brightness and sharpness of the frame and its only face, and that face for
   * the quality gate (check-in photo).
   */
  quality?: boolean;
}

/** Analysis plus the main face's embedding (kept out of results that leave the process). */
export interface NodeAnalysis extends FrameAnalysis {
  embedding?: number[];
  /**
   * With `quality`: the frame's, and its face's when exactly one was found (original pixels);
   * `gate`: that face's measurements for the quality gate (absent from older workers).
   */
  quality?: { frame: RegionQuality; face: RegionQuality | null; gate?: FaceQualityFacts | null };
}

/**
 * The detectors in Node on the tfjs wasm backend. Models load once in `create`; each
 * `analyze` runs the requested parts on one frame. Not safe for concurrent calls: the
 * backend is single-threaded, so callers queue (the server runs one per worker thread).
 */
export class NodeDetector {
  private constructor(
    private readonly human: Human,
    private readonly thresholds: DetectionThresholds,
    /** Where the models and wasm binaries are (resolved once, not per frame). */
    private readonly urls: { modelBasePath: string; wasmPath: string },
    private readonly recognizer: FaceRecognizer,
    /** Model names and versions, for the evidence trail. */
    readonly models: ModelInfo,
  ) {}

  /** Load the library, the wasm backend and every model from the installed packages. */
  static async create(thresholds: DetectionThresholds = DEFAULT_THRESHOLDS): Promise<NodeDetector> {
    const { Human } = loadHumanModule();
    const urls = assetUrls();
    const human = new Human(humanConfig(urls, ALL_PARTS));
    await human.load();
    await human.tf.ready();
    // human logs a model that failed to load and carries on without it (the anti-spoof and
    // liveness scores would then read 0, a spoof): check the optional ones.
    const loaded = new Set(human.models.loaded());
    const missing = [MODEL_FILES.antispoof, MODEL_FILES.liveness]
      .map((f) => f.replace('.json', ''))
      .filter((name) => !loaded.has(name));
    if (missing.length) throw new Error(`models not loaded: ${missing.join(', ')}`);
    const recognizer = await FaceRecognizer.load(human.tf, urls.faceRecognitionPath);
    return new NodeDetector(human, thresholds, urls, recognizer, modelInfo(human));
  }

  /** Analyse encoded (JPEG/PNG) bytes or an already decoded image. */
  async analyze(input: Uint8Array | RgbImage, options: AnalyzeOptions = {}): Promise<NodeAnalysis> {
    const started = performance.now();
    const image = input instanceof Uint8Array ? decodeImage(input) : input;
    const decodeMs = Math.round(performance.now() - started);
    const { faceFacts, ...result } = await analyseFrame(
      (img, parts) => this.detect(img, parts),
      image,
      {
        parts: { ...ALL_PARTS, ...options.parts },
        enrolled: options.enrolled,
        tiles: options.tiles ?? true,
        objectTiles: options.objectTiles ?? false,
        describe: (img, mesh) => this.recognizer.describe(img, mesh),
        faceFacts: options.quality === true,
      },
      this.thresholds,
    );
    const face = result.faces.length === 1 ? result.faces[0] : undefined;
    const quality = options.quality
      ? {
          frame: regionQuality(image),
          face: face ? regionQuality(image, face.box) : null,
          gate: face ? (faceFacts ?? null) : null,
        }
      : undefined;
    result.timings = {
      decode: decodeMs,
      ...result.timings,
      total: Math.round(performance.now() - started),
    };
    return { ...result, models: this.models, ...(quality && { quality }) };
  }

  /** One raw pass of the library over an image. */
  detect(image: RgbImage, parts: DetectorParts): Promise<Result> {
    return runPass(this.human, this.urls, image, parts);
  }
}
