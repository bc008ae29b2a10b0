import { z } from "zod";
import type { SharedConfig } from "../shared/shared.config.js";
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_STREAM_CHARS } from "./output-limits.js";
import { DEFAULT_ENV_ALLOW, secretShaped } from "./sandbox/kernel-environment.js";
import { DEFAULT_LIMITS } from "./sandbox/kernel-sandbox.js";

const secretShapedNote = "names shaped like secrets (AWS_*, *KEY*, *SECRET*, *TOKEN*, *PASSWORD*, …) never reach a kernel";

/** `a,b` or whitespace-separated words; a JSON array when it starts with `[` (for arguments with spaces). */
const words = z.string().transform((text, context) => {
  if (!text.trim().startsWith("[")) return text.split(/[\s,]+/).filter(Boolean);
  const parsed = z.array(z.string()).safeParse(safeJson(text));
  if (parsed.success) return parsed.data;
  context.addIssue({ code: "custom", message: "expected a JSON array of strings" });
  return z.NEVER;
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Environment variables of the reactive capability (composed into the one config schema in `composition/`). */
export const reactiveConfigShape = {
  /** Per-cell execution limit for Python, SQL and JavaScript cells (older spelling of CELL_TIMEOUT_SECONDS). */
  CELL_TIMEOUT_S: z.coerce.number().positive().max(86_400).default(30),
  /** Wall-clock limit of one cell's run in any language; wins over CELL_TIMEOUT_S when set. */
  CELL_TIMEOUT_SECONDS: z.coerce.number().positive().max(86_400).optional(),
  /** CPU seconds one Python or JavaScript kernel process may use over its life (RLIMIT_CPU); past it the kernel is stopped and restarts on the next run. */
  KERNEL_CPU_SECONDS: z.coerce.number().int().positive().max(31_536_000).default(DEFAULT_LIMITS.cpuSeconds),
  /** Address space of a Python kernel (RLIMIT_AS), DuckDB's memory limit, and the JavaScript kernel's heap (--max-old-space-size). */
  KERNEL_MEMORY_MB: z.coerce.number().int().min(64).max(1_048_576).default(DEFAULT_LIMITS.memoryMb),
  /** Processes a Python or JavaScript kernel may start beyond those its user already runs (RLIMIT_NPROC is per user: see the reactive adapters' README). */
  KERNEL_MAX_PROCESSES: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxProcesses),
  /** Open files of a Python or JavaScript kernel process (RLIMIT_NOFILE). */
  KERNEL_MAX_OPEN_FILES: z.coerce.number().int().min(16).max(1_048_576).default(DEFAULT_LIMITS.maxOpenFiles),
  /** A command prefix Python and JavaScript kernels start under (`bwrap …`, `nsjail … --`); `{workdir}` stands for the notebook's directory. */
  KERNEL_WRAPPER: words.default([]),
  /** `uid:gid` kernels run as; needs a root host. Without it a root host's kernels run as root, and root ignores the process limit. */
  KERNEL_USER: z
    .string()
    .regex(/^\d+:\d+$/, "expected uid:gid, both numbers")
    .transform((text) => {
      const [uid, gid] = text.split(":").map(Number) as [number, number];
      return { uid, gid };
    })
    .optional(),
  /** Host variables a kernel may see, comma-separated; a trailing `*` matches a prefix. */
  KERNEL_ENV_ALLOW: words
    .refine((names) => !names.some((name) => !name.endsWith("*") && secretShaped(name)), secretShapedNote)
    .default([...DEFAULT_ENV_ALLOW]),
  /** Variables every kernel gets, as a JSON object of strings. */
  KERNEL_ENV: z
    .string()
    .transform((text, context) => {
      const parsed = z.record(z.string(), z.string()).safeParse(safeJson(text));
      if (parsed.success) return parsed.data;
      context.addIssue({ code: "custom", message: 'expected a JSON object of strings, e.g. {"MPLBACKEND":"Agg"}' });
      return z.NEVER;
    })
    .refine((pairs) => !Object.keys(pairs).some(secretShaped), secretShapedNote)
    .default({}),
  /** Where each notebook's kernel working directory is made (default: DATA_DIR/kernels). */
  KERNEL_WORK_DIR: z.string().min(1).optional(),
  /** The interpreter of Python cells; a missing one only fails Python cells. */
  PYTHON_BIN: z.string().min(1).default("python3"),
  /** An open notebook nobody watches and nothing runs in is closed (its kernel stopped) after this long. */
  KERNEL_IDLE_S: z.coerce.number().positive().default(600),
  /**
   * Notebooks with a live kernel (a python3 process, a Node process, a DuckDB) per host.
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
