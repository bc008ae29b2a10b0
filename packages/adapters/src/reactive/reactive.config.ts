import { z } from "zod";

/** Environment variables of the reactive capability (merged into the one config schema). */
export const reactiveConfigShape = {} satisfies Record<string, z.ZodType>;
