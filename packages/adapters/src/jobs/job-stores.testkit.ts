/**
 * What the job and log store tests share: temporary directories, a job, and DynamoDB tables on
 * dynalite (started once per test file) or, where a Docker engine answers, on DynamoDB Local.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Effect, Result } from "effect";
import { afterAll } from "vitest";
import { createJob, type Job } from "@parallax/domain/jobs";
import type { JobStore } from "@parallax/application/jobs";
import { createTable, dockerAvailable, startDynaliteServer } from "../aws/aws-services.testkit.js";
import { DynamoJobStore } from "./dynamodb-job.store.js";
import { DynamoLogStore } from "./dynamodb-log.store.js";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const dirs: string[] = [];
export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-jobs-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
export const newJob = (id: string, now: number, extra: Partial<Parameters<typeof createJob>[0]> = {}) =>
  createJob({ id, pipeline: "p", command: ["true"], ...extra }, now);
export const ok = (transition: Result.Result<Job, unknown>) => {
  if (Result.isFailure(transition)) throw new Error("refused");
  return transition.success;
};

/** dynalite: DynamoDB's API in process on 127.0.0.1, started once for the DynamoDB store's runs. */
let dynamo: Promise<{ server: { close(): Promise<void> }; client: DynamoDBClient }> | undefined;
let tables = 0;
export async function dynamoTable(): Promise<{ client: DynamoDBClient; table: string }> {
  dynamo ??= (async () => {
    const server = await startDynaliteServer();
    const client = new DynamoDBClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return { server, client };
  })();
  return activeTable((await dynamo).client, `jobs-${++tables}`);
}
export async function dynamoStore(): Promise<JobStore> {
  const { client, table } = await dynamoTable();
  return new DynamoJobStore(client, table);
}
/** A log store on a fresh table; `chunkBytes` small makes every append span several chunks. */
export async function dynamoLogStore(options: { chunkBytes?: number } = {}): Promise<DynamoLogStore> {
  const { client, table } = await dynamoTable();
  return new DynamoLogStore(DynamoDBDocumentClient.from(client), table, options);
}
afterAll(async () => {
  if (!dynamo) return;
  const { server, client } = await dynamo;
  client.destroy();
  await server.close();
});

/**
 * DynamoDB Local in a container (testcontainers), where a Docker engine answers; the same
 * contract then runs against Amazon's own local implementation as well as dynalite.
 */
export { dockerAvailable };
if (!dockerAvailable) console.warn("skipping the DynamoDB Local (testcontainers) job store runs: no Docker engine answers `docker info`");
let dynamoLocal: Promise<{ stop(): Promise<unknown>; client: DynamoDBClient }> | undefined;
export async function dynamoLocalTable(): Promise<{ client: DynamoDBClient; table: string }> {
  dynamoLocal ??= (async () => {
    const { GenericContainer } = await import("testcontainers");
    const container = await new GenericContainer("amazon/dynamodb-local:2.5.2").withExposedPorts(8000).start();
    const endpoint = `http://${container.getHost()}:${container.getMappedPort(8000)}`;
    const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    return { client, stop: () => container.stop() };
  })();
  return activeTable((await dynamoLocal).client, `jobs-local-${++tables}`);
}

/** A new table as the job store expects it (`jobsTableDefinition` is `tableDefinition`), once it answers item calls. */
async function activeTable(client: DynamoDBClient, table: string): Promise<{ client: DynamoDBClient; table: string }> {
  await createTable(client, table);
  return { client, table };
}
export async function dynamoLocalStore(): Promise<JobStore> {
  const { client, table } = await dynamoLocalTable();
  return new DynamoJobStore(client, table);
}
afterAll(async () => {
  if (!dynamoLocal) return;
  const { client, stop } = await dynamoLocal;
  client.destroy();
  await stop();
});
