import { z } from "zod";

/** Environment variables of the reactive capability (merged into the one config schema). */
export const reactiveConfigShape = {
  /** Per-cell execution limit for Python, SQL and JavaScript cells. */
  CELL_TIMEOUT_S: z.coerce.number().positive().max(86_400).default(30),
  /** The interpreter of Python cells; a missing one only fails Python cells. */
  PYTHON_BIN: z.string().min(1).default("python3"),
  /** `none`: the WebSocket `authenticate` step accepts any token as the user `local`. */
  AUTH: z.enum(["none"]).default("none"),
} satisfies Record<string, z.ZodType>;
