import { z } from "zod";
import { TASK_STATUSES, type EventLogEntry, type FrameSize, type TaskRecord, type TrackingUpdate } from "@parallax/application/tracking";

/**
 * zod schemas of the stored tracking documents (CONTRACTS.md §D shapes): every record and result
 * line is parsed with them when read back, so a damaged file is an error naming the line, never
 * an object of the wrong shape.
 */
const finite = z.number().refine(Number.isFinite, "must be finite");

export const taskRecordSchema = z.strictObject({
  task_id: z.string(),
  environment_id: z.string(),
  status: z.enum(TASK_STATUSES),
  progress: finite.min(0).max(1),
  current_step: z.string(),
  details: z.string(),
  start_time: z.string(),
  last_update_time: z.string(),
  total_sub_video_batches: z.number().int().min(0),
  completed_sub_video_batches: z.number().int().min(0),
  total_frames_estimate: z.number().int().min(0),
  processed_frames_count: z.number().int().min(0),
  owner: z.string().min(1).optional(),
}) satisfies z.ZodType<TaskRecord>;

const trackSchema = z.strictObject({
  track_id: z.number().int(),
  global_id: z.number().int().optional(),
  bbox_xyxy: z.tuple([finite, finite, finite, finite]),
  confidence: finite.optional(),
  class_id: z.literal(1),
  map_coords: z.tuple([finite, finite]).optional(),
});

export const trackingUpdateSchema = z.strictObject({
  frame_index: z.number().int().min(0),
  global_frame_index: z.number().int().min(0),
  scene_id: z.string(),
  timestamp_processed_utc: z.string(),
  cameras: z.record(z.string(), z.strictObject({ image_source: z.string(), frame_image_base64: z.string().optional(), tracks: z.array(trackSchema) })),
}) satisfies z.ZodType<TrackingUpdate>;

/** A task's `cameras.json`: camera id → its decoded frame size. */
export const frameSizesSchema = z.record(z.string(), z.strictObject({ width: z.number().int().min(1), height: z.number().int().min(1) })) satisfies z.ZodType<Record<string, FrameSize>>;

/** A line of a task's event log: a status or a batch's end, after `frames` frame indices. */
export const eventLogEntrySchema = z.strictObject({
  frames: z.number().int().min(0),
  event: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("status_update"), payload: taskRecordSchema.omit({ task_id: true }) }),
    z.strictObject({ type: z.literal("batch_processing_complete"), payload: z.strictObject({ sub_video_batch_index: z.number().int().min(0) }) }),
  ]),
}) satisfies z.ZodType<EventLogEntry>;

/** JSON text → a value of `schema`, or the reason it is not one. */
export function parseJson<T extends z.ZodType>(schema: T, text: string): z.ZodSafeParseResult<z.infer<T>> {
  return z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `not JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema)
    .safeParse(text);
}
