import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJob } from "@parallax/domain/jobs";
import { DynamoJobStore } from "@parallax/adapters/jobs";
import { startDynalite, type Dynalite } from "../../../../packages/adapters/src/aws/dynalite.testkit.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(() => dynalite.close());

/** The CLI in a child process; asynchronous, since dynalite answers from this one's event loop. */
const cli = (args: string[], env: Record<string, string>) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "apps/worker/src/cli.ts", ...args], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: "warn", DYNAMODB_TABLE: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });

describe("parallax backfill-job-owners", () => {
  it("refuses without DYNAMODB_TABLE (exit 2); gives the jobs written before the index their key, after which an owner's listing reads only theirs", async () => {
    expect((await cli(["backfill-job-owners"], {})).status).toBe(2);

    const table = await dynalite.table();
    const documents = DynamoDBDocumentClient.from(dynalite.countingClient().client);
    const writer = new DynamoJobStore(dynalite.countingClient().client, table);
    for (const [id, owner] of [["a1", "a"], ["b1", "b"], ["n1", undefined], ["b2", "b"]] as const) {
      await Effect.runPromise(writer.insert(createJob({ id, pipeline: "p", command: ["true"], ...(owner ? { owner } : {}) }, 1000 + id.charCodeAt(0))));
      // As the previous version wrote it.
      await documents.send(new UpdateCommand({ TableName: table, Key: { id }, UpdateExpression: "REMOVE owner_list_key" }));
    }
    await documents.send(new DeleteCommand({ TableName: table, Key: { id: "meta#owner_listing" } }));

    const backfilled = await cli(["backfill-job-owners"], { DYNAMODB_TABLE: table, DYNAMODB_ENDPOINT: dynalite.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
    expect(backfilled.status, backfilled.stderr).toBe(0);
    expect(backfilled.stdout).toContain(`backfilled 4 of 4 jobs in ${table}`);

    const { client, reads } = dynalite.countingClient();
    const listed = await Effect.runPromise(new DynamoJobStore(client, table).list({ owner: "a" }));
    expect(listed.map((job) => job.id)).toEqual(["a1"]);
    expect(reads.scanned).toBe(1);
  }, 120_000);
});
