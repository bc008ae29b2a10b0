import { z } from "zod";
import type { Message } from "../host/websocket-recorder.testkit.js";

/**
 * Test support: the §D WebSocket messages as zod schemas written from CONTRACTS.md §D, not from
 * the code (strict: a field §D does not name fails), shared by the tests of tasks run in the host
 * and of tasks run by a worker.
 */
const status = z.enum(["QUEUED", "INITIALIZING", "DOWNLOADING_DATA", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]);
export const statusUpdate = z.strictObject({
  type: z.literal("status_update"),
  payload: z.strictObject({
    status, progress: z.number().min(0).max(1), current_step: z.string(), details: z.string(), start_time: z.iso.datetime(), last_update_time: z.iso.datetime(),
    environment_id: z.string(), total_sub_video_batches: z.number().int(), completed_sub_video_batches: z.number().int(), total_frames_estimate: z.number().int(), processed_frames_count: z.number().int(),
  }),
});
const track = z.strictObject({
  track_id: z.number().int(), global_id: z.number().int().optional(), bbox_xyxy: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  confidence: z.number().optional(), class_id: z.literal(1), map_coords: z.tuple([z.number(), z.number()]).optional(),
});
export const trackingUpdate = z.strictObject({
  type: z.literal("tracking_update"),
  payload: z.strictObject({
    frame_index: z.number().int(), global_frame_index: z.number().int(), scene_id: z.string(), timestamp_processed_utc: z.iso.datetime(),
    cameras: z.record(z.string(), z.strictObject({ image_source: z.string().regex(/^\d{6}\.jpg$/), frame_image_base64: z.string().optional(), tracks: z.array(track) })),
  }),
});
export const batchComplete = z.strictObject({ type: z.literal("batch_processing_complete"), payload: z.strictObject({ sub_video_batch_index: z.number().int() }) });
export const message = z.union([statusUpdate, trackingUpdate, batchComplete]);

/** The status that ends a task. */
export const isFinal = (m: Message) => m["type"] === "status_update" && ["COMPLETED", "FAILED", "CANCELLED"].includes((m["payload"] as { status: string }).status);
