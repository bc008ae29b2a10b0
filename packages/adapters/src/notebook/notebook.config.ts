import { z } from "zod";
import type { SharedConfig } from "../shared/shared.config.js";

/** Environment variables of the notebook capability (composed into the one config schema in `composition/`). */
export const notebookConfigShape = {
  /**
   * §A `/convert`: `auto` makes the charts of matplotlib cells stored without images by running
   * the notebook in a fresh sandboxed kernel (as the old server did); `never` answers stored
   * images only.
   */
  CONVERT_EXECUTE: z.enum(["auto", "never"]).default("auto"),
  /** Overrides STORAGE for notebooks. */
  NOTEBOOKS_STORE: z.enum(["file", "memory", "aws"]).optional(),
} satisfies Record<string, z.ZodType>;

/** What the notebook module reads: its own variables and the shared ones. */
export type NotebookConfig = z.infer<z.ZodObject<typeof notebookConfigShape>> & SharedConfig;
