import { z } from "zod";

/**
 * The environments file (`ENVIRONMENTS_FILE`): which cameras an environment has, where each
 * camera's sub-videos are (a local directory, relative to the file, or `s3://bucket/prefix`),
 * how they are named, and each camera's calibration file (relative to the file).
 */
const cameraId = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a camera id is letters, digits, '_', '.' or '-'");

export const environmentsFileSchema = z
  .object({
    environments: z.array(
      z
        .object({
          id: z.string().regex(/^[A-Za-z0-9_.-]+$/, "an environment id is letters, digits, '_', '.' or '-'"),
          cameras: z
            .array(
              z.object({
                id: cameraId,
                source: z.string().min(1),
                /** `{idx}` or `{idx:02d}` (Python's format, as the old configuration wrote it) is the 1-based sub-video number. */
                pattern: z.string().regex(/\{idx(:0\d+d)?\}/, "the pattern must contain {idx} or {idx:0Nd}").default("sub_video_{idx:02d}.mp4"),
                count: z.number().int().min(1),
                homography: z.string().min(1).optional(),
              }),
            )
            .min(1),
          overlaps: z.array(z.tuple([cameraId, cameraId])).optional(),
          map: z.object({ units: z.string().min(1) }).default({ units: "m" }),
        })
        .superRefine((environment, ctx) => {
          const ids = environment.cameras.map((c) => c.id);
          const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
          if (duplicate) ctx.addIssue({ code: "custom", message: `camera '${duplicate}' is listed twice`, path: ["cameras"] });
          const counts = new Set(environment.cameras.map((c) => c.count));
          // Cameras are decoded in lockstep, sub-video k of each at once: the batches must line up.
          if (counts.size > 1) ctx.addIssue({ code: "custom", message: "every camera of an environment needs the same count of sub-videos", path: ["cameras"] });
          for (const [a, b] of environment.overlaps ?? []) {
            for (const id of [a, b]) if (!ids.includes(id)) ctx.addIssue({ code: "custom", message: `overlap names unknown camera '${id}'`, path: ["overlaps"] });
          }
        }),
    ),
  })
  .superRefine((file, ctx) => {
    const ids = file.environments.map((e) => e.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) ctx.addIssue({ code: "custom", message: `environment '${duplicate}' is listed twice`, path: ["environments"] });
  });

export type EnvironmentsFile = z.infer<typeof environmentsFileSchema>;

/** `sub_video_{idx:02d}.mp4` with idx 3 → `sub_video_03.mp4`. */
export function subVideoFileName(pattern: string, index: number): string {
  return pattern.replace(/\{idx(?::0(\d+)d)?\}/g, (_, width: string | undefined) => String(index).padStart(width ? Number(width) : 0, "0"));
}
