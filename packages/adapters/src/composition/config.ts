import { z } from "zod";
import { notebookConfigShape } from "../notebook/notebook.config.js";
import { reactiveConfigShape } from "../reactive/reactive.config.js";
import { jobsConfigShape } from "../jobs/jobs.config.js";
import { trackingConfigShape } from "../tracking/tracking.config.js";

/**
 * Configuration comes from the environment, parsed once here with zod. Each capability
 * adds its fields in its own `*.config.ts` and they are merged below, so a newcomer finds
 * every knob in one schema. Errors name the variable and what was wrong.
 */
const portNumber = z.coerce.number().int().min(0).max(65535);

export const baseConfigShape = {
  PORT: portNumber.default(8000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  STORAGE: z.enum(["file", "memory"]).default("file"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(4096).default(50),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Bytes a WebSocket client may have queued unread; one that falls further behind is terminated (it reconnects). */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(64 * 1024).default(8 * 1024 * 1024),
  /** A notebook client over that limit in a burst (a large output) gets this long to catch up before it is terminated. */
  WS_SLOW_CLIENT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
};

export const configSchema = z.object({
  ...baseConfigShape,
  ...notebookConfigShape,
  ...reactiveConfigShape,
  ...jobsConfigShape,
  ...trackingConfigShape,
});
export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses `env` (default `process.env`); throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const parsed = configSchema.safeParse({ ...picked, ...overrides });
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
