import { z } from "zod";
import { notebookConfigShape } from "../notebook/notebook.config.js";
import { reactiveConfigShape } from "../reactive/reactive.config.js";
import { jobsConfigShape } from "../jobs/jobs.config.js";
import { trackingConfigShape } from "../tracking/tracking.config.js";
import { authConfigIssues, authConfigShape } from "../auth/auth.config.js";
import { assistantConfigShape, missingAssistantSettings } from "../assistant/assistant.config.js";
import { ConfigError, sharedConfigShape } from "../shared/shared.config.js";
import { awsConfigProblems, awsConfigShape } from "../aws/aws.config.js";

export { ConfigError };

/**
 * Configuration comes from the environment, parsed once here with zod. The host's own fields are
 * declared here; each capability declares its fields (and the type its module reads) in its own
 * `*.config.ts`, on top of `shared/shared.config.ts`, and they are composed below, so a newcomer
 * finds every knob in one schema. Errors name the variable and what was wrong.
 */
const portNumber = z.coerce.number().int().min(0).max(65535);

export const baseConfigShape = {
  PORT: portNumber.default(8000),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(4096).default(50),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Bytes a WebSocket client may have queued unread; one that falls further behind is terminated (it reconnects). */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(64 * 1024).default(8 * 1024 * 1024),
  /** A notebook client over that limit in a burst (a large output) gets this long to catch up before it is terminated. */
  WS_SLOW_CLIENT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
};

/** An origin as browsers send it (`scheme://host[:port]`); a trailing slash is forgiven. */
const origin = z
  .string()
  .transform((value) => value.trim().replace(/\/$/, ""))
  .refine((value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  }, "must be an origin such as http://localhost:3000 (no path, no wildcard: CORS here carries credentials)");

/** `a,b,c` from the environment, or already a list when a test or library passes overrides. */
const originList = z.preprocess((value) => (typeof value === "string" ? value.split(",").filter((item) => item.trim() !== "") : value), z.array(origin));

/**
 * The host's resource bounds: no single client, request or socket may hold memory, sockets
 * or the event loop without limit (issue 14).
 */
export const hostConfigShape = {
  /** Browser origins allowed to call the API with credentials and to open WebSockets (besides the host's own). */
  ALLOWED_ORIGINS: originList.default(["http://localhost:3000", "http://localhost:5173"]),
  /** Trust `X-Forwarded-*` (client address, scheme) only behind a proxy that sets them. */
  TRUST_PROXY: z.union([z.boolean(), z.stringbool()]).default(false),
  /** A whole request (headers and body) must arrive within this time; 120 s carries a 50 MB upload on a slow link. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** The request head must arrive within this time (capped at REQUEST_TIMEOUT_MS). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** A declared body that stops arriving for this long gets its connection closed. */
  BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Open connections one client address may hold; past it a new one gets 503 and is closed. */
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().positive().default(256),
  /** Largest WebSocket message a client may send, fragments included (client messages are small JSON). */
  WS_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().max(256 * 1024 * 1024).default(1024 * 1024),
  /** Messages per second one WebSocket client may send on average (bursts up to WS_MESSAGE_BURST); past it the socket is closed with 1008. 0: no limit. */
  WS_MESSAGES_PER_S: z.coerce.number().min(0).default(50),
  WS_MESSAGE_BURST: z.coerce.number().int().positive().default(200),
  /** Largest JSON body (MAX_UPLOAD_MB bounds uploads: multipart notebooks). */
  MAX_JSON_MB: z.coerce.number().positive().max(4096).default(1),
  /**
   * Requests per second one client (its user, else its address) may make on average, with bursts
   * up to RATE_LIMIT_BURST; past it 429 with Retry-After. The old deployment allowed 10/s on the
   * API and 2/s on /convert. 0: no limit.
   */
  RATE_LIMIT_RPS: z.coerce.number().min(0).default(10),
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(20),
  /** The same for `POST /convert/<name>` (it may run notebooks), counted apart from the rest. */
  CONVERT_RATE_LIMIT_RPS: z.coerce.number().min(0).default(2),
  CONVERT_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(4),
  /** Clients whose buckets are remembered; past it the longest idle are forgotten (they start full again). */
  RATE_LIMIT_MAX_CLIENTS: z.coerce.number().int().positive().default(10_000),
};

const configObject = z.object({
  ...baseConfigShape,
  ...sharedConfigShape,
  ...awsConfigShape,
  ...hostConfigShape,
  ...notebookConfigShape,
  ...reactiveConfigShape,
  ...jobsConfigShape,
  ...trackingConfigShape,
  ...authConfigShape,
  ...assistantConfigShape,
});

/** Every variable, with the checks that span several (what an AUTH mode needs). */
export const configSchema = configObject.superRefine((config, context) => {
  for (const issue of authConfigIssues(config)) context.addIssue({ code: "custom", path: [issue.path], message: issue.message });
});
export type Config = z.infer<typeof configObject>;

/** Parses `env` (default `process.env`); throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(configObject.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const parsed = configSchema.safeParse({ ...picked, ...overrides });
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const aws = awsConfigProblems(parsed.data, usesAws(parsed.data));
  if (aws.length > 0) throw new ConfigError(`Invalid configuration:\n${aws.join("\n")}`);
  const missing = missingAssistantSettings(parsed.data);
  if (missing.length > 0) throw new ConfigError(`Invalid configuration:\nLLM_PROVIDER=${parsed.data.LLM_PROVIDER} also needs ${missing.join(" and ")}`);
  return parsed.data;
}

/** Whether any store is on DynamoDB + S3 (STORAGE=aws or a per-store override). */
export function usesAws(config: Pick<Config, "STORAGE" | "JOBS_STORE" | "NOTEBOOKS_STORE" | "TASKS_STORE">): boolean {
  return [config.STORAGE, config.JOBS_STORE, config.NOTEBOOKS_STORE, config.TASKS_STORE].includes("aws");
}
