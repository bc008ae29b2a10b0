/**
 * A processing task and its events, in the wire shapes of CONTRACTS.md §D (snake_case), because
 * they are stored and sent as they are: the store, the WebSocket and the results route all carry
 * the same payloads, so none of them translates.
 */
export const TASK_STATUSES = ["QUEUED", "INITIALIZING", "DOWNLOADING_DATA", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

/** §D `status_update` payload. */
export interface StatusPayload {
  readonly status: TaskStatus;
  /** 0..1; 1 only once COMPLETED. */
  readonly progress: number;
  readonly current_step: string;
  /** What happened, in words; a failure's reason (ffmpeg's own text for a video). */
  readonly details: string;
  readonly start_time: string;
  readonly last_update_time: string;
  readonly environment_id: string;
  readonly total_sub_video_batches: number;
  readonly completed_sub_video_batches: number;
  readonly total_frames_estimate: number;
  readonly processed_frames_count: number;
}

/** What the task store keeps per task: its status, its id and who started it. */
export interface TaskRecord extends StatusPayload {
  readonly task_id: string;
  /** The user who started it; absent in older records (`local`'s). Never on the wire. */
  readonly owner?: string;
}

export interface TrackPayload {
  readonly track_id: number;
  readonly global_id?: number;
  readonly bbox_xyxy: [number, number, number, number];
  readonly confidence?: number;
  readonly class_id: 1;
  readonly map_coords?: [number, number];
}

export interface CameraPayload {
  readonly image_source: string;
  readonly frame_image_base64?: string;
  readonly tracks: TrackPayload[];
}

/** §D `tracking_update` payload: one per frame index, every camera of the environment present. */
export interface TrackingUpdate {
  /** Frame index within the sub-video batch (0-based). */
  readonly frame_index: number;
  /** Frame index over the whole task (0-based, batches one after another). */
  readonly global_frame_index: number;
  readonly scene_id: string;
  readonly timestamp_processed_utc: string;
  readonly cameras: Record<string, CameraPayload>;
}

export type TrackingEvent =
  | { readonly type: "status_update"; readonly payload: StatusPayload }
  | { readonly type: "tracking_update"; readonly payload: TrackingUpdate }
  | { readonly type: "batch_processing_complete"; readonly payload: { readonly sub_video_batch_index: number } };

export function statusPayload(record: TaskRecord): StatusPayload {
  const { task_id: _, owner: _owner, ...payload } = record;
  return payload;
}

/** The event as a subscriber that wants no pictures receives it. */
export function withoutFrames(event: TrackingEvent): TrackingEvent {
  if (event.type !== "tracking_update") return event;
  const cameras = Object.entries(event.payload.cameras);
  if (cameras.every(([, camera]) => camera.frame_image_base64 === undefined)) return event;
  return {
    type: "tracking_update",
    payload: { ...event.payload, cameras: Object.fromEntries(cameras.map(([id, { frame_image_base64: _, ...camera }]) => [id, camera])) },
  };
}
