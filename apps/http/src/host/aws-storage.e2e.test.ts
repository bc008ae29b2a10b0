import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsServices, TEST_BUCKET, TEST_CREDENTIALS, type AwsServices } from "../../../../packages/adapters/src/aws/aws-services.testkit.js";
import type { Host } from "./host.js";
import { startTestHost } from "./test-host.testkit.js";
import { http } from "./http-client.testkit.js";
import { until } from "../jobs/jobs.testkit.js";
import { missing } from "../../../../packages/adapters/src/tracking/vision.testkit.js";

/**
 * The host with STORAGE=aws on dynalite + s3rver (in process, 127.0.0.1): `/ready` answers 503
 * while the table is missing and 200 once CREATE_TABLES made it; §A, §B, §C and §D served end to end
 * with their state in the table (a 2 MB notebook's body in the bucket, downloaded
 * byte-identical; a job's log in the table).
 */
let services: AwsServices;
const work = mkdtempSync(join(tmpdir(), "parallax-aws-host-"));
const hosts: Host[] = [];
const table = `host-e2e-${process.pid}`;

beforeAll(async () => {
  services = await startAwsServices();
  // The SDK's default chain reads these; nothing in configuration names a credential.
  process.env["AWS_ACCESS_KEY_ID"] = TEST_CREDENTIALS.accessKeyId;
  process.env["AWS_SECRET_ACCESS_KEY"] = TEST_CREDENTIALS.secretAccessKey;
  const python = (code: string) => ["python3", "-c", code, ""];
  writeFileSync(join(work, "pipelines.json"), JSON.stringify({ pipelines: [{ name: "generate-training", command: python("for i in range({tiles}):\n    print(f'tile {{i}}')"), params: { tiles: { type: "integer", default: 3 } } }] }));
});
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()));
  await services?.close();
  rmSync(work, { recursive: true, force: true });
});

const awsHost = async (overrides: Record<string, unknown> = {}) => {
  const host = await startTestHost({
    ...services.env(table),
    DATA_DIR: join(work, `data-${hosts.length}`),
    PIPELINES_FILE: join(work, "pipelines.json"),
    JOB_POLL_MS: 50,
    WORKER_DRAIN_MS: 0,
    ...overrides,
  } as never);
  hosts.push(host);
  return host;
};

const bulkyNotebook = (bytes: number) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: Array.from({ length: 4 }, (_, i) => ({
    id: `c${i}`,
    cell_type: "code",
    metadata: {},
    source: `plot(${i})`,
    execution_count: null,
    outputs: [{ output_type: "display_data", metadata: {}, data: { "image/png": Buffer.from(Array.from({ length: Math.floor(bytes / 4 / 1.34) }, () => Math.floor(Math.random() * 256))).toString("base64") } }],
  })),
});

describe("the host with STORAGE=aws (dynalite + s3rver)", () => {
  let base: string;

  it("GET /ready is 503 while the table is missing; with CREATE_TABLES the first check creates table and bucket and answers 200", async () => {
    const waiting = await awsHost({ CREATE_TABLES: false, WORKER: "off" });
    const notReady = await http(waiting.url(), "GET", "/ready");
    expect(notReady.status).toBe(503);
    expect(notReady.body.detail).toContain(`DynamoDB table ${table} does not exist`);
    const creating = await awsHost({ CREATE_TABLES: true });
    expect(await http(creating.url(), "GET", "/ready")).toEqual({ status: 200, body: { status: "ready" } });
    expect((await services.clients(table).then((clients) => clients.dynamo.send(new DescribeTableCommand({ TableName: table }))))?.Table?.TableStatus).toBe("ACTIVE");
    // The first host answers too now that the table exists.
    expect((await http(waiting.url(), "GET", "/ready")).status).toBe(200);
    base = creating.url();
  });

  it("§A: a notebook uploaded over HTTP is an item in the table; a 2 MB notebook's body is in S3 and downloads byte-identical", async () => {
    const clients = await services.clients(table);
    const small = new FormData();
    small.append("file", new Blob([JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] })]), "notebook.ipynb");
    expect((await fetch(`${base}/convert/small`, { method: "POST", body: small })).status).toBe(200);
    const item = await clients.documents.send(new GetCommand({ TableName: table, Key: { id: "notebook#small.ipynb" } }));
    expect(item.Item).toMatchObject({ name: "small.ipynb", list_key: "notebooks" });
    expect(item.Item?.["body"]).toBeInstanceOf(Uint8Array);

    const big = bulkyNotebook(2.2 * 1024 * 1024);
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify(big)]), "notebook.ipynb");
    expect((await fetch(`${base}/convert/big`, { method: "POST", body: form })).status).toBe(200);
    const bigItem = (await clients.documents.send(new GetCommand({ TableName: table, Key: { id: "notebook#big.ipynb" } }))).Item!;
    expect(bigItem["body"]).toBeUndefined();
    const s3 = await clients.s3();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: "notebooks/big.ipynb/" }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([bigItem["body_key"]]);
    const stored = gunzipSync(await (await s3.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: String(bigItem["body_key"]) }))).Body!.transformToByteArray());
    expect(stored.byteLength).toBeGreaterThan(2 * 1024 * 1024);
    const downloaded = Buffer.from(await (await fetch(`${base}/notebooks/big.ipynb/download`)).arrayBuffer());
    expect(downloaded.equals(stored)).toBe(true);
    // What was uploaded, every output byte of it (the host adds only its import stamp).
    expect(JSON.parse(downloaded.toString()).cells).toEqual(big.cells);
    expect((await http(base, "GET", "/notebooks")).body).toEqual(["big.ipynb", "small.ipynb"]);
  });

  it("§B: a reactive notebook created and edited over HTTP lives in the table", async () => {
    const created = await http(base, "POST", "/api/v1/notebooks/");
    const id = String(created.body.notebook_id);
    const cell = await http(base, "POST", `/api/v1/notebooks/${id}/cells`, { type: "python" });
    expect((await http(base, "PUT", `/api/v1/notebooks/${id}/cells/${cell.body.cell_id}`, { code: "x = 41 + 1" })).status).toBe(200);
    const clients = await services.clients(table);
    const items = await Promise.all([`notebook#${id}.ipynb`, `notebook#${id}`].map((key) => clients.documents.send(new GetCommand({ TableName: table, Key: { id: key } }))));
    const item = items.find((found) => found.Item)?.Item;
    expect(item).toBeDefined();
    expect((await http(base, "GET", `/api/v1/notebooks/${id}`)).body.cells.map((c: { code: string }) => c.code)).toContain("x = 41 + 1");
  });

  it("§C: a job queued over HTTP runs on the embedded worker with its state in the table", async () => {
    const started = await http(base, "POST", "/api/generate-training?tiles=3");
    expect(started.status).toBe(200);
    const id = String(started.body.job_id);
    const done = await until(async () => {
      const job = (await http(base, "GET", `/api/jobs/${id}`)).body;
      return job.status === "completed" || job.status === "failed" ? job : undefined;
    }, `job ${id} to finish`, 30_000);
    expect(done).toMatchObject({ status: "completed", exit_code: 0 });
    expect(done.output).toEqual(["tile 0", "tile 1", "tile 2"]);
    const clients = await services.clients(table);
    const item = await clients.documents.send(new GetCommand({ TableName: table, Key: { id } }));
    expect(item.Item).toMatchObject({ status: "completed" });
    // Its log is in the table too (chunks from offset 0), read back over HTTP in order.
    const logs = (await http(base, "GET", `/api/jobs/${id}/logs?limit=1000`)).body;
    expect(logs.lines.filter((line: { stream: string }) => line.stream === "stdout").map((line: { message: string }) => line.message)).toEqual(["tile 0", "tile 1", "tile 2"]);
    expect(logs.lines.map((line: { offset: number }) => line.offset)).toEqual(logs.lines.map((_: unknown, i: number) => i));
    expect((await clients.documents.send(new GetCommand({ TableName: table, Key: { id: `log#${id}#0000000000` } }))).Item).toMatchObject({ first_offset: 0 });
  });

  it.skipIf(missing({ ffmpeg: true }))("§D: a processing task's record is an item in the table and its results are objects in the bucket", { timeout: 120_000 }, async () => {
    const started = await http(base, "POST", "/api/v1/processing-tasks/start", { environment_id: "demo" });
    expect(started.status).toBe(202);
    const id = String(started.body.task_id);
    const status = await until(async () => {
      const body = (await http(base, "GET", `/api/v1/processing-tasks/${id}/status`)).body;
      return body.status === "COMPLETED" || body.status === "FAILED" ? body : undefined;
    }, `task ${id} to finish`, 110_000);
    expect(status).toMatchObject({ task_id: id, status: "COMPLETED", progress: 1 });
    const results = (await http(base, "GET", `/api/v1/processing-tasks/${id}/results`)).body.results as Array<{ global_frame_index: number }>;
    expect(results.map((update) => update.global_frame_index)).toEqual(results.map((_, i) => i));
    expect(results.length).toBeGreaterThan(0);
    const clients = await services.clients(table);
    const item = (await clients.documents.send(new GetCommand({ TableName: table, Key: { id: `task#${id}` } }))).Item;
    expect(item).toMatchObject({ list_key: "tasks" });
    const objects = await (await clients.s3()).send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: `tasks/${id}/results/` }));
    expect(objects.KeyCount).toBeGreaterThan(0);
    expect((await http(base, "GET", "/api/v1/processing-tasks")).body.map((task: { task_id: string }) => task.task_id)).toContain(id);
  });
});
