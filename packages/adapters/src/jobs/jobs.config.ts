import { z } from "zod";

/** Environment variables of the jobs capability (merged into the one config schema). */
export const jobsConfigShape = {} satisfies Record<string, z.ZodType>;
