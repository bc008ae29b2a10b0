import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, Stream } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotebookStore } from "@parallax/application/notebook";
import type { Notebook } from "@parallax/domain/notebook";
import { versionedNotebook } from "./versioned-notebook.testkit.js";
import { FileNotebookStore } from "./file-notebook.store.js";
import { MemoryNotebookStore } from "./memory-notebook.store.js";
import { DynamoNotebookStore } from "./dynamodb-notebook.store.js";
import { S3BlobStore } from "../aws/s3-blob.store.js";
import { dockerAvailable, NO_DOCKER, startAwsServices, startContainerServices, type AwsServices } from "../aws/aws-services.testkit.js";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const scratch = mkdtempSync(join(tmpdir(), "parallax-notebook-stores-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const titled = (title: string): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { parallax: { name: title } },
  cells: [{ id: "c", cell_type: "code", metadata: {}, source: "x = 1", execution_count: null, outputs: [] }],
});

/** dynalite + s3rver, started once for the aws store's runs (each run gets its own table). */
let aws: AwsServices | undefined;
const awsServices = async () => (aws ??= await startAwsServices());
afterAll(async () => aws?.close());

async function awsStore(options: { inlineBodyBytes?: number } = {}, on: () => Promise<AwsServices> = awsServices): Promise<NotebookStore> {
  const clients = await (await on()).clients();
  return new DynamoNotebookStore(clients.documents, clients.table, new S3BlobStore(clients, `${clients.table}/`), options);
}

/** DynamoDB Local + MinIO (testcontainers), where a Docker engine answers. */
if (!dockerAvailable) console.warn(`skipping the notebook store runs on DynamoDB Local + MinIO (testcontainers): ${NO_DOCKER}`);
let containers: Promise<AwsServices> | undefined;
const containerServices = () => (containers ??= startContainerServices());
afterAll(async () => (await containers)?.close());

/** A notebook of about `bytes` bytes that gzip cannot shrink much (random base64 outputs). */
const bulky = (bytes: number, k: number): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { version: k },
  cells: Array.from({ length: 8 }, (_, i) => ({
    id: `c${i}`,
    cell_type: "code" as const,
    metadata: {},
    source: `x = ${k}`,
    execution_count: null,
    outputs: [{ output_type: "display_data", metadata: {}, data: { "image/png": Buffer.from(Array.from({ length: Math.floor(bytes / 8 / 1.34) }, () => Math.floor(Math.random() * 256))).toString("base64") } }],
  })),
});

/** What every NotebookStore adapter must do, run over each of them. */
describe.each<[string, () => Promise<NotebookStore>]>([
  ["memory", async () => new MemoryNotebookStore()],
  ["file", async () => new FileNotebookStore(mkdtempSync(join(scratch, "file-")))],
  ["aws (dynalite + s3rver)", () => awsStore()],
  // Every body in S3: the offload path held to the same contract.
  ["aws, every body offloaded to S3", () => awsStore({ inlineBodyBytes: 0 })],
  ...(dockerAvailable
    ? ([
        ["aws (DynamoDB Local + MinIO, testcontainers)", () => awsStore({}, containerServices)],
        ["aws (DynamoDB Local + MinIO), every body offloaded", () => awsStore({ inlineBodyBytes: 0 }, containerServices)],
      ] as Array<[string, () => Promise<NotebookStore>]>)
    : []),
])("NotebookStore contract: %s", (_, makeStore) => {
  it("puts, gets, lists and deletes; versions change on every write", async () => {
    const store = await makeStore();
    const first = await run(store.put("a.ipynb", versionedNotebook(1)));
    const second = await run(store.put("a.ipynb", versionedNotebook(2)));
    expect(first.version).not.toBe(second.version);
    const read = await run(store.get("a.ipynb"));
    expect(read.version).toBe(second.version);
    expect(read.notebook.metadata["version"]).toBe(2);
    expect(await run(store.list())).toEqual(["a.ipynb"]);
    await run(store.delete("a.ipynb"));
    const missing = await Effect.runPromiseExit(store.get("a.ipynb"));
    expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toMatch(/NotFound/);
  });

  it("compare-and-swap refuses a stale version and an existing name, and writes nothing", async () => {
    const store = await makeStore();
    const v1 = await run(store.put("b.ipynb", versionedNotebook(1), null));
    await run(store.put("b.ipynb", versionedNotebook(2), v1.version));
    const stale = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(3), v1.version));
    expect(Exit.isFailure(stale) && JSON.stringify(stale.cause)).toMatch(/Conflict/);
    const exists = await Effect.runPromiseExit(store.put("b.ipynb", versionedNotebook(4), null));
    expect(Exit.isFailure(exists) && JSON.stringify(exists.cause)).toMatch(/already exists/);
    expect((await run(store.get("b.ipynb"))).notebook.metadata["version"]).toBe(2);
  });

  it("summaries follow puts, overwrites and deletes, sorted by name, with the top-level metadata", async () => {
    const store = await makeStore();
    expect(await run(store.listSummaries())).toEqual([]);
    await run(store.put("b.ipynb", titled("Bee")));
    await run(store.put("a.ipynb", titled("Ay")));
    expect(await run(store.listSummaries())).toEqual([
      { name: "a.ipynb", metadata: { parallax: { name: "Ay" } } },
      { name: "b.ipynb", metadata: { parallax: { name: "Bee" } } },
    ]);
    await run(store.put("a.ipynb", titled("Ay again")));
    await run(store.delete("b.ipynb"));
    expect(await run(store.listSummaries())).toEqual([{ name: "a.ipynb", metadata: { parallax: { name: "Ay again" } } }]);
    expect(await run(store.list())).toEqual(["a.ipynb"]);
  });

  it("a 2 MB notebook round-trips byte-identical, and overwrites and deletes keep working", async () => {
    const store = await makeStore();
    const big = bulky(2 * 1024 * 1024, 1);
    const first = await run(store.put("big.ipynb", big, null));
    const { bytes, version, metadata } = await run(store.readBytes("big.ipynb"));
    expect(bytes.byteLength).toBeGreaterThan(2 * 1024 * 1024 * 0.9);
    expect(version).toBe(first.version);
    expect(metadata).toEqual({ version: 1 });
    expect(Buffer.from(bytes).equals(Buffer.from((await run(store.readBytes("big.ipynb"))).bytes))).toBe(true);
    expect((await run(store.get("big.ipynb"))).notebook).toEqual(big);
    const second = await run(store.put("big.ipynb", bulky(1024, 2), first.version));
    expect((await run(store.get("big.ipynb"))).version).toBe(second.version);
    await run(store.delete("big.ipynb"));
    expect(await run(store.list())).toEqual([]);
  });
});

describe("DynamoNotebookStore's own cases", () => {
  let services: AwsServices;
  beforeAll(async () => {
    services = await awsServices();
  });

  it("a body over ~300 KB gzip lives in S3 under a versioned key; the old one is deleted once the pointer moved; small bodies stay in the item", async () => {
    const clients = await services.clients();
    const blobs = new S3BlobStore(clients, `${clients.table}/`);
    const store = new DynamoNotebookStore(clients.documents, clients.table, blobs);
    const first = await run(store.put("n.ipynb", bulky(2 * 1024 * 1024, 1)));
    const keys = await run(blobs.list("notebooks/"));
    expect(keys).toEqual([`notebooks/n.ipynb/${first.version}.ipynb.gz`]);
    const second = await run(store.put("n.ipynb", bulky(2 * 1024 * 1024, 2), first.version));
    expect(await run(blobs.list("notebooks/"))).toEqual([`notebooks/n.ipynb/${second.version}.ipynb.gz`]);
    // A stale writer's body never stays behind.
    const stale = await Effect.runPromiseExit(store.put("n.ipynb", bulky(2 * 1024 * 1024, 3), first.version));
    expect(Exit.isFailure(stale)).toBe(true);
    expect(await run(blobs.list("notebooks/"))).toEqual([`notebooks/n.ipynb/${second.version}.ipynb.gz`]);
    await run(store.put("n.ipynb", titled("small"), second.version));
    expect(await run(blobs.list("notebooks/"))).toEqual([]);
    expect((await run(store.get("n.ipynb"))).notebook.metadata).toEqual({ parallax: { name: "small" } });
  });
});

describe("S3BlobStore (s3rver)", () => {
  it("puts, reads whole and by range, lists past a page and after a key, deletes (a missing key too)", async () => {
    const clients = await (await awsServices()).clients();
    const blobs = new S3BlobStore(clients, `${clients.table}/`);
    const body = new Uint8Array(10_000).map((_, i) => i % 251);
    await run(blobs.put("a/x", body));
    expect(Buffer.from(await run(blobs.get("a/x"))).equals(Buffer.from(body))).toBe(true);
    expect(Array.from(await run(blobs.get("a/x", { start: 100, end: 103 })))).toEqual([100, 101, 102, 103]);
    expect(JSON.stringify(await Effect.runPromiseExit(blobs.get("a/missing")))).toContain("NotFound");
    await Promise.all(Array.from({ length: 1005 }, (_, i) => run(blobs.put(`many/${String(i).padStart(4, "0")}`, new Uint8Array([i % 256])))));
    const listed = await run(blobs.list("many/"));
    expect(listed).toHaveLength(1005);
    expect(await run(blobs.list("many/", { after: "many/1002" }))).toEqual(["many/1003", "many/1004"]);
    await run(blobs.delete("a/x"));
    await run(blobs.delete("a/x"));
    expect(await run(blobs.list("a/"))).toEqual([]);
  });

  it("uploads a stream in parts (multipart above 5 MiB) and reads it back whole", async () => {
    const clients = await (await awsServices()).clients();
    const blobs = new S3BlobStore(clients, `${clients.table}/`);
    const part = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 256);
    const written = await run(blobs.upload("results/big.bin", Stream.fromIterable(Array.from({ length: 12 }, () => part))));
    expect(written).toBe(12 * part.length);
    const back = await run(blobs.get("results/big.bin"));
    expect(back.byteLength).toBe(12 * part.length);
    expect(Buffer.from(back.subarray(5 * part.length, 6 * part.length)).equals(Buffer.from(part))).toBe(true);
  });
});
