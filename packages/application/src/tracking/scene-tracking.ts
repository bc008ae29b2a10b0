import { FloorIdentities, createTracker, footOnFloor, type FloorObservation, type FrameDetections, type Homography, type MultiObjectTracker, type TrackOutput, type TrackerName } from "@parallax/domain/tracking";
import type { Embeddings, PersonCrop } from "./appearance-embedder.port.js";
import type { Frame } from "./frame-source.port.js";
import type { CameraPayload, TrackPayload } from "./tracking-task.js";

/**
 * The per-frame core of a processing task, without I/O: one tracker per camera, appearance only
 * where it is needed, then the domain's multi-view floor association across cameras (global ids,
 * and each identity's filtered floor position as its map coordinates). A frame is two steps,
 * because the crops to embed are known only after tracking and embedding is an effect: `track`
 * says which crops need embeddings, `identify` takes them and answers each camera's payload.
 */
export interface SceneTrackingOptions {
  readonly cameras: readonly string[];
  /** Image → map per camera; a camera without one gets no map coordinates. */
  readonly homographies: ReadonlyMap<string, Homography>;
  readonly fps: number;
  readonly tracker?: TrackerName;
  /** A track's appearance is refreshed every this many frames (besides when it is new). */
  readonly embedEveryFrames: number;
  readonly overlaps?: readonly (readonly [string, string])[];
}

interface Tracked {
  readonly camera: number;
  readonly track: TrackOutput;
}

export interface TrackedFrame {
  /** Crops whose embeddings `identify` expects, in this order (empty: nothing to embed). */
  readonly crops: readonly PersonCrop[];
  identify(embeddings: Embeddings | undefined): Record<string, CameraPayload>;
}

export class SceneTracking {
  private readonly trackers: MultiObjectTracker[];
  private readonly identities: FloorIdentities;
  /** Per camera: track id → the global frame its appearance was last measured. */
  private readonly embeddedAt: Map<number, number>[];
  /** Per camera: track id → its last measured appearance, which stands for it between measurements. */
  private readonly appearance: Map<number, Float32Array>[];

  constructor(private readonly options: SceneTrackingOptions) {
    this.trackers = options.cameras.map(() => createTracker(options.tracker ?? "bytetrack", options.fps));
    this.identities = new FloorIdentities({ fps: options.fps, ...(options.overlaps ? { overlaps: options.overlaps } : {}) });
    this.embeddedAt = options.cameras.map(() => new Map());
    this.appearance = options.cameras.map(() => new Map());
  }

  /** A new sub-video: tracks restart (their ids keep increasing), the identity gallery stays. */
  startBatch(): void {
    for (const tracker of this.trackers) tracker.reset();
    for (const seen of this.embeddedAt) seen.clear();
    for (const known of this.appearance) known.clear();
    this.identities.resetTracks();
  }

  /** `frames[c]` and `detections[c]` belong to camera c of `options.cameras`. */
  track(globalFrame: number, frames: readonly Frame[], detections: readonly FrameDetections[]): TrackedFrame {
    const tracked: Tracked[] = [];
    const crops: PersonCrop[] = [];
    const cropOf: number[] = [];
    detections.forEach((frameDetections, c) => {
      for (const track of this.trackers[c]!.update(frameDetections)) {
        const k = tracked.push({ camera: c, track }) - 1;
        const last = this.embeddedAt[c]!.get(track.trackId);
        // Only a box a detection confirmed this frame is worth a crop (a predicted one may be off).
        const due = last === undefined || globalFrame - last >= this.options.embedEveryFrames;
        const box = clip(track.box, frames[c]!);
        if (due && track.detectionIndex >= 0 && box) {
          crops.push({ frame: frames[c]!, box });
          cropOf[k] = crops.length - 1;
          this.embeddedAt[c]!.set(track.trackId, globalFrame);
        }
      }
    });
    return {
      crops,
      identify: (embeddings) => {
        const { pixelNoise, floorVariance } = this.identities.config;
        const mapPoints: Array<readonly [number, number] | undefined> = [];
        const observations = tracked.map(({ camera, track }, k): FloorObservation => {
          const homography = this.options.homographies.get(this.options.cameras[camera]!);
          const crop = cropOf[k];
          if (crop !== undefined && embeddings) this.appearance[camera]!.set(track.trackId, embeddings.values.slice(crop * embeddings.dim, (crop + 1) * embeddings.dim));
          const embedding = this.appearance[camera]!.get(track.trackId);
          const point = homography ? footOnFloor(homography, track.box, pixelNoise, floorVariance) : undefined;
          mapPoints.push(point ? [point.x, point.y] : undefined);
          return { camera: this.options.cameras[camera]!, trackId: track.trackId, ...(point ? { point } : {}), ...(embedding ? { embedding } : {}) };
        });
        const globalIds = this.identities.update(globalFrame + 1, observations);
        // An identity's map position is its floor state (all views fused), not one box's foot point.
        const floor = new Map(this.identities.floorPositions.map((p) => [p.globalId, [p.x, p.y] as const]));
        const cameras: Record<string, CameraPayload> = {};
        const frameIndex = frames[0]?.index ?? 0;
        for (const id of this.options.cameras) cameras[id] = { image_source: `${String(frameIndex).padStart(6, "0")}.jpg`, tracks: [] };
        tracked.forEach(({ camera, track }, k) => {
          const mapPoint = floor.get(globalIds[k]!) ?? mapPoints[k];
          const payload: TrackPayload = {
            track_id: track.trackId,
            ...(globalIds[k]! >= 0 ? { global_id: globalIds[k]! } : {}),
            bbox_xyxy: [round(track.box[0]), round(track.box[1]), round(track.box[2]), round(track.box[3])],
            ...(Number.isFinite(track.score) ? { confidence: round(track.score, 3) } : {}),
            class_id: 1,
            ...(mapPoint ? { map_coords: [round(mapPoint[0], 3), round(mapPoint[1], 3)] } : {}),
          };
          cameras[this.options.cameras[camera]!]!.tracks.push(payload);
        });
        return cameras;
      },
    };
  }
}

function clip(box: readonly number[], frame: Frame): [number, number, number, number] | undefined {
  const x1 = Math.max(0, box[0]!), y1 = Math.max(0, box[1]!), x2 = Math.min(frame.width, box[2]!), y2 = Math.min(frame.height, box[3]!);
  return x2 - x1 >= 2 && y2 - y1 >= 2 ? [x1, y1, x2, y2] : undefined;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
