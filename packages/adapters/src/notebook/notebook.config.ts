import { z } from "zod";

/** Environment variables of the notebook capability (merged into the one config schema). */
export const notebookConfigShape = {} satisfies Record<string, z.ZodType>;
