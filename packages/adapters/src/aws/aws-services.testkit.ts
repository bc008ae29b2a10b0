/**
 * Test support for the AWS stores: dynalite (DynamoDB's API, in process) and s3rver (S3's, in a
 * child process, see tracking/s3rver.testkit.ts) on 127.0.0.1 and free ports, and `AwsClients`
 * on them with a fresh table (created as `tableDefinition` says, waited ACTIVE) per call. Where a
 * Docker engine answers, the same through testcontainers: DynamoDB Local and MinIO.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { CreateTableCommand, waitUntilTableExists, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startS3rver, type S3rverHandle } from "../tracking/s3rver.testkit.js";
import { AwsClients } from "./aws-clients.js";
import { tableDefinition } from "./table.js";

type DynaliteServer = { listen(port: number, host: string, done: () => void): void; address(): { port: number }; close(done: () => void): void };

/** s3rver accepts only its own key pair; dynalite accepts any, so both get this one. */
export const TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
export const TEST_BUCKET = "parallax-test";

export interface AwsServices {
  readonly dynamoEndpoint: string;
  /** Clients on a new table (created and ACTIVE) and the test bucket; `table` names an existing one instead. */
  clients(table?: string): Promise<AwsClients>;
  /** The settings a host or worker process needs to reach these services (STORAGE=aws). */
  env(table: string): Record<string, string>;
  close(): Promise<void>;
}

let tables = 0;

export async function createTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  await dynamo.send(new CreateTableCommand(tableDefinition(name)));
  // dynalite flips a table ACTIVE on a timer that a busy machine can delay past the next request.
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

/** dynalite alone, in process, on 127.0.0.1 and a free port (tables created and deleted at once). */
export async function startDynaliteServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const dynalite = createRequire(import.meta.url)("dynalite") as (options: object) => DynaliteServer;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function startAwsServices(): Promise<AwsServices> {
  const dynalite = await startDynaliteServer();
  const s3: S3rverHandle = await startS3rver([TEST_BUCKET]);
  return services(dynalite.endpoint, s3.endpoint, TEST_CREDENTIALS, async () => {
    await s3.close();
    await dynalite.close();
  });
}

function services(dynamoEndpoint: string, s3Endpoint: string, credentials: typeof TEST_CREDENTIALS, stop: () => Promise<void>): AwsServices {
  const made: AwsClients[] = [];
  const settings = (table: string) => ({ DYNAMODB_TABLE: table, S3_BUCKET: TEST_BUCKET, DYNAMODB_ENDPOINT: dynamoEndpoint, S3_ENDPOINT: s3Endpoint, AWS_REGION: "us-east-1" });
  return {
    dynamoEndpoint,
    async clients(existing) {
      const table = existing ?? `parallax-${process.pid}-${++tables}`;
      const clients = new AwsClients(settings(table), { credentials });
      made.push(clients);
      if (!existing) await createTable(clients.dynamo, table);
      return clients;
    },
    env: (table) => ({ STORAGE: "aws", ...settings(table), AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }),
    async close() {
      await Promise.all(made.map((clients) => clients.destroy()));
      await stop();
    },
  };
}

/** Whether a Docker engine answers (`docker info`); when not, the container runs are skipped with this reason printed. */
export const dockerAvailable = spawnSync("docker", ["info"], { stdio: "ignore", timeout: 5_000 }).status === 0;
export const NO_DOCKER = "no Docker engine answers `docker info`";

/** DynamoDB Local and MinIO in containers (testcontainers), the bucket created; only where `dockerAvailable`. */
export async function startContainerServices(): Promise<AwsServices> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const credentials = { accessKeyId: "parallax", secretAccessKey: "parallax-secret" };
  const [dynamo, minio] = await Promise.all([
    new GenericContainer("amazon/dynamodb-local:2.5.2").withExposedPorts(8000).start(),
    new GenericContainer("minio/minio:RELEASE.2024-10-13T13-34-11Z")
      .withCommand(["server", "/data"])
      .withEnvironment({ MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp("/minio/health/live", 9000))
      .start(),
  ]);
  const s3Endpoint = `http://${minio.getHost()}:${minio.getMappedPort(9000)}`;
  const handle = services(`http://${dynamo.getHost()}:${dynamo.getMappedPort(8000)}`, s3Endpoint, credentials, async () => {
    await Promise.all([dynamo.stop(), minio.stop()]);
  });
  const { CreateBucketCommand } = await import("@aws-sdk/client-s3");
  const bucketMaker = new AwsClients({ DYNAMODB_TABLE: "", S3_BUCKET: TEST_BUCKET, DYNAMODB_ENDPOINT: "", S3_ENDPOINT: s3Endpoint, AWS_REGION: "us-east-1" }, { credentials });
  await (await bucketMaker.s3()).send(new CreateBucketCommand({ Bucket: TEST_BUCKET }));
  await bucketMaker.destroy();
  return handle;
}
