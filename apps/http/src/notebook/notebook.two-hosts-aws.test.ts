import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsClients } from "../../../../packages/adapters/src/aws/aws-clients.js";
import { startAwsServices, type AwsServices } from "../../../../packages/adapters/src/aws/aws-services.testkit.js";
import { spawnHost, type HostProcess } from "../host/host-process.testkit.js";

/**
 * Two host processes on one DynamoDB table (dynalite) and one bucket (s3rver): the notebook
 * store's optimistic locking is all that keeps concurrent edits apart, across processes. Every
 * acknowledged (200) placement must survive; a placement may only be refused with 409 (its
 * retries ran out), never silently lost.
 */
describe("two host processes on one DynamoDB table (STORAGE=aws)", () => {
  let services: AwsServices;
  let hosts: HostProcess[] = [];
  let clients: AwsClients;

  beforeAll(async () => {
    services = await startAwsServices();
    clients = await services.clients();
    const env = { ...services.env(clients.table), WORKER: "off" };
    hosts = await Promise.all([spawnHost(env, 60_000), spawnHost(env, 60_000)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop("SIGKILL")));
    await services?.close();
  });

  it("50 concurrent placements split across both hosts: every acknowledged one survives, the rest are 409", { timeout: 120_000 }, async () => {
    const cells = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source: `v${i} = ${i}`, execution_count: null, outputs: [] as unknown[] }));
    // ~500 KB of output that gzip cannot shrink: every version's body goes through S3.
    const png = Buffer.from(Array.from({ length: 400_000 }, () => Math.floor(Math.random() * 256))).toString("base64");
    cells[0]!.outputs = [{ output_type: "display_data", metadata: {}, data: { "image/png": png } }];
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells })]), "shared.ipynb");
    expect((await fetch(`${hosts[0]!.url}/convert/shared`, { method: "POST", body: form })).status).toBe(200);

    const statuses = await Promise.all(
      cells.map(async (_, i) => {
        const response = await fetch(`${hosts[i % 2]!.url}/notebooks/shared.ipynb/cells/${i}/spatial`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ x: i, y: 0, z: 0, pitch: 0, yaw: 0, roll: 0 }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const item = (await clients.documents.send(new GetCommand({ TableName: clients.table, Key: { id: "notebook#shared.ipynb" } }))).Item;
    expect(item?.["body_key"]).toMatch(/^notebooks\/shared\.ipynb\//);
    // Losers of the conditional Put deleted their bodies, winners their predecessors': one body is left.
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const listed = await (await clients.s3()).send(new ListObjectsV2Command({ Bucket: clients.bucket, Prefix: "notebooks/shared.ipynb/" }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([item?.["body_key"]]);
    const acknowledged = statuses.flatMap((status, i) => (status === 200 ? [i] : []));
    console.log(`two hosts on one table: ${acknowledged.length} of 50 placements acknowledged, ${50 - acknowledged.length} answered 409`);
    for (const host of hosts) {
      const stored = (await (await fetch(`${host.url}/notebooks/shared.ipynb`)).json()) as { cells: Array<{ metadata: { spatial?: { x: number } } }> };
      for (const i of acknowledged) expect(stored.cells[i]!.metadata.spatial?.x).toBe(i);
    }
  });

  it("SIGTERM drains and exits 0", async () => {
    const codes = await Promise.all(hosts.map((host) => host.stop("SIGTERM")));
    expect(codes).toEqual([0, 0]);
  });
});
