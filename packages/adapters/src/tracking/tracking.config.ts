import { z } from "zod";

/** Environment variables of the tracking capability (merged into the one config schema). */
export const trackingConfigShape = {} satisfies Record<string, z.ZodType>;
