import { z } from "zod";
import type { SharedConfig } from "../shared/shared.config.js";
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STREAM_CHARS } from "./output-limits.js";

/** Environment variables of the reactive capability (composed into the one config schema in `composition/`). */
export const reactiveConfigShape = {
  /** Per-cell execution limit for Python, SQL and JavaScript cells. */
  CELL_TIMEOUT_S: z.coerce.number().positive().max(86_400).default(30),
  /** The interpreter of Python cells; a missing one only fails Python cells. */
  PYTHON_BIN: z.string().min(1).default("python3"),
  /** An open notebook nobody watches and nothing runs in is closed (its kernel stopped) after this long. */
  KERNEL_IDLE_S: z.coerce.number().positive().default(600),
  /**
   * Notebooks with a live kernel (a python3 process, a JavaScript worker, a DuckDB) per host.
   * At the cap, the least recently used idle notebook is closed; if every one is running a
   * cell, the new run fails at once with a message saying so.
   */
  MAX_KERNELS: z.coerce.number().int().positive().max(10_000).default(8),
  /** Bytes one cell output may take (text keeps its head and a note; images, charts, HTML become a note). */
  MAX_OUTPUT_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_MAX_OUTPUT_BYTES),
  /** Characters of stdout and stderr one cell run keeps and broadcasts; the rest is dropped after a note. */
  MAX_CELL_STDOUT: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_MAX_STREAM_CHARS),
  /** §B: a WebSocket must authenticate within this time or is closed with 1008. */
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(10_000),
} satisfies Record<string, z.ZodType>;

/** What the reactive module reads: its own variables and the shared ones. */
export type ReactiveConfig = z.infer<z.ZodObject<typeof reactiveConfigShape>> & SharedConfig;
