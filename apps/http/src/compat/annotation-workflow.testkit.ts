import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Host } from "../host/host.js";
import { startTestHost } from "../host/test-host.testkit.js";
import { http, until } from "../jobs/jobs.testkit.js";

/**
 * Test support for the §C client suites: the example workflow (examples/pipelines.json, the
 * stand-in scripts, the default training config) copied to a fresh directory, served by a
 * host with its embedded worker on the file store. One pipeline is added, `chatty`, which
 * writes 12 MB of log: enough to fill a client's socket that stops reading.
 */
const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../examples");
export const EXAMPLE_TRAINING_CONFIG = readFileSync(join(examples, "ml/config_1937.yaml"), "utf8");

export interface AnnotationWorkflow {
  readonly base: string;
  readonly wsBase: string;
  /** A path inside the copied example directory (the pipelines' base directory). */
  path(relative: string): string;
  write(relative: string, content: string): void;
  close(): Promise<void>;
}

export async function startAnnotationWorkflow(): Promise<AnnotationWorkflow> {
  const dir = mkdtempSync(join(tmpdir(), "parallax-annotation-ui-"));
  for (const entry of ["jobs", "ml"]) cpSync(join(examples, entry), join(dir, entry), { recursive: true });
  const file = JSON.parse(readFileSync(join(examples, "pipelines.json"), "utf8")) as { pipelines: unknown[] };
  const chatty = "import sys\nline = 'x' * 200 + '\\n'\nfor i in range(60000): sys.stdout.write(line)";
  file.pipelines.push({ name: "chatty", command: ["python3", "-c", chatty, ""] });
  writeFileSync(join(dir, "pipelines.json"), JSON.stringify(file));
  const host: Host = await startTestHost({
    DATA_DIR: join(dir, "data"),
    PIPELINES_FILE: join(dir, "pipelines.json"),
    JOB_POLL_MS: 50,
    JOB_CANCEL_POLL_MS: 50,
    WORKER_CONCURRENCY: 2,
    WORKER_DRAIN_MS: 0,
    JOB_KILL_GRACE_MS: 500,
  });
  const base = host.url();
  const path = (relative: string) => join(dir, relative);
  return {
    base,
    wsBase: base.replace("http", "ws"),
    path,
    write(relative, content) {
      mkdirSync(dirname(path(relative)), { recursive: true });
      writeFileSync(path(relative), content);
    },
    async close() {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly body: any;
}

/**
 * One request with exactly the headers given: no Content-Type unless named, as the old
 * clients send it (node's fetch would add `text/plain` to a string body).
 */
export function rawRequest(base: string, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolvePromise, reject) => {
    const outgoing = httpRequest(`${base}${path}`, { method, headers: { ...options.headers, "content-length": String(body?.length ?? 0) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolvePromise({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Polls `GET /api/jobs/{id}` as the old clients do, until it reads `status`. */
export function untilJobReads(base: string, id: string, status: string, timeoutMs?: number): Promise<any> {
  return until(async () => {
    const job = (await http(base, "GET", `/api/jobs/${id}`)).body;
    return job.status === status ? job : undefined;
  }, `job ${id} to read ${status}`, timeoutMs);
}
