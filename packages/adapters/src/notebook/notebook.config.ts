import { z } from "zod";

/** Environment variables of the notebook capability (merged into the one config schema). */
export const notebookConfigShape = {
  /**
   * §A `/convert`: `auto` makes the charts of matplotlib cells stored without images by running
   * the notebook in a fresh sandboxed kernel (as the old server did); `never` answers stored
   * images only.
   */
  CONVERT_EXECUTE: z.enum(["auto", "never"]).default("auto"),
} satisfies Record<string, z.ZodType>;
