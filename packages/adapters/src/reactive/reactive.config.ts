import { z } from "zod";

/** Environment variables of the reactive capability (merged into the one config schema). */
export const reactiveConfigShape = {
  /** Per-cell execution limit for Python, SQL and JavaScript cells. */
  CELL_TIMEOUT_S: z.coerce.number().positive().max(86_400).default(30),
  /** The interpreter of Python cells; a missing one only fails Python cells. */
  PYTHON_BIN: z.string().min(1).default("python3"),
  /** An open notebook nobody watches and nothing runs in is closed (its kernel stopped) after this long. */
  KERNEL_IDLE_S: z.coerce.number().positive().default(3600),
  /** `none`: the WebSocket `authenticate` step accepts any token as the user `local`. */
  AUTH: z.enum(["none"]).default("none"),
  /** §B: a WebSocket must authenticate within this time or is closed with 1008. */
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(10_000),
} satisfies Record<string, z.ZodType>;
