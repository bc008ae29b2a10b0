// The `owner_listing` index on dynalite: an owner's listing reads only their jobs, and jobs written
// before the index (without `owner_list_key`) stay listed, by the old filter, until the backfill.
import { CreateTableCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as Effect from "effect/Effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_USER_ID } from "@parallax/domain";
import { createJob } from "@parallax/domain/jobs";
import { startDynalite, type Dynalite } from "../aws/dynalite.testkit.js";
import { OWNER_LISTING_INDEX, tableDefinition } from "../aws/table.js";
import { DynamoJobStore } from "./dynamodb-job.store.js";

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(() => dynalite.close());

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const newJob = (id: string, at: number, owner?: string) => createJob({ id, pipeline: "p", command: ["true"], ...(owner ? { owner } : {}) }, at);
const ids = async (store: DynamoJobStore, owner: string, limit?: number) => (await run(store.list({ owner, ...(limit === undefined ? {} : { limit }) }))).map((job) => job.id);

/** Three jobs of "me", then 200 of others (half without owner: LOCAL_USER_ID's), then three more of "me". */
async function fill(store: DynamoJobStore): Promise<void> {
  for (let i = 0; i < 3; i++) await run(store.insert(newJob(`old-mine-${i}`, 1000 + i, "me")));
  for (let i = 0; i < 200; i++) await run(store.insert(newJob(`other-${String(i).padStart(3, "0")}`, 2000 + i, i % 2 ? "other" : undefined)));
  for (let i = 0; i < 3; i++) await run(store.insert(newJob(`mine-${i}`, 5000 + i, "me")));
}

describe("dynamodb job store: the owner_listing index", () => {
  it("on a table this version started empty, an owner's listing reads only that owner's items, newest first", async () => {
    const table = await dynalite.table();
    const { client, reads } = dynalite.countingClient();
    const store = new DynamoJobStore(client, table);
    await fill(store);
    reads.scanned = reads.returned = 0;
    expect(await ids(store, "me", 3)).toEqual(["mine-2", "mine-1", "mine-0"]);
    expect(reads.scanned).toBeLessThanOrEqual(6);
    reads.scanned = reads.returned = 0;
    expect(await ids(store, "me", 5)).toEqual(["mine-2", "mine-1", "mine-0", "old-mine-2", "old-mine-1"]);
    // The old filter path evaluated the 200 others' jobs between them.
    expect(reads).toEqual({ scanned: 6, returned: 6 });
    reads.scanned = reads.returned = 0;
    const local = await ids(store, LOCAL_USER_ID);
    expect(local).toHaveLength(100);
    expect(local[0]).toBe("other-198");
    expect(reads).toEqual({ scanned: 100, returned: 100 });
  });

  it("keeps listing jobs written without the key by the old filter; the backfill adds it, and then listings read the index", async () => {
    const table = await dynalite.table();
    const documents = DynamoDBDocumentClient.from(dynalite.countingClient().client);
    await fill(new DynamoJobStore(dynalite.countingClient().client, table));
    // The table as the previous version left it: no job carries the key, nothing is recorded.
    const written = [...["old-mine-0", "old-mine-1", "old-mine-2", "mine-0", "mine-1", "mine-2"], ...Array.from({ length: 200 }, (_, i) => `other-${String(i).padStart(3, "0")}`)];
    for (const id of written) await documents.send(new UpdateCommand({ TableName: table, Key: { id }, UpdateExpression: "REMOVE owner_list_key" }));
    await documents.send(new DeleteCommand({ TableName: table, Key: { id: "meta#owner_listing" } }));

    const before = dynalite.countingClient();
    const running = new DynamoJobStore(before.client, table);
    await run(running.insert(newJob("new-mine", 6000, "me")));
    expect(await ids(running, "me", 4)).toEqual(["new-mine", "mine-2", "mine-1", "mine-0"]);
    expect(await ids(running, "me")).toHaveLength(7);
    expect(await ids(running, LOCAL_USER_ID)).toHaveLength(100);
    expect(before.reads.scanned).toBeGreaterThan(200);

    const backfiller = new DynamoJobStore(dynalite.countingClient().client, table);
    expect(await run(backfiller.backfillOwnerListing(10_000))).toEqual({ jobs: 207, updated: 206 });
    expect((await documents.send(new GetCommand({ TableName: table, Key: { id: "other-000" } }))).Item?.["owner_list_key"]).toBe(`jobs#${LOCAL_USER_ID}`);
    expect((await documents.send(new GetCommand({ TableName: table, Key: { id: "meta#owner_listing" } }))).Item).toMatchObject({ reason: "backfilled", recorded_at: 10_000 });
    // Idempotent: nothing left to add.
    expect(await run(backfiller.backfillOwnerListing(11_000))).toEqual({ jobs: 207, updated: 0 });

    // A process that started before the backfill sees it recorded and reads the index from then on.
    before.reads.scanned = 0;
    expect(await ids(running, "me")).toEqual(["new-mine", "mine-2", "mine-1", "mine-0", "old-mine-2", "old-mine-1", "old-mine-0"]);
    expect(await ids(running, LOCAL_USER_ID)).toHaveLength(100);
    expect(before.reads.scanned).toBe(107);
  });

  it("a table holding jobs but no record is not taken for an empty one: its first write keeps the old path", async () => {
    const table = await dynalite.table();
    const documents = DynamoDBDocumentClient.from(dynalite.countingClient().client);
    await run(new DynamoJobStore(dynalite.countingClient().client, table).insert(newJob("legacy", 1000, "me")));
    await documents.send(new UpdateCommand({ TableName: table, Key: { id: "legacy" }, UpdateExpression: "REMOVE owner_list_key" }));
    await documents.send(new DeleteCommand({ TableName: table, Key: { id: "meta#owner_listing" } }));
    const store = new DynamoJobStore(dynalite.countingClient().client, table);
    await run(store.insert(newJob("fresh", 2000, "me")));
    expect(await ids(store, "me")).toEqual(["fresh", "legacy"]);
    expect((await documents.send(new GetCommand({ TableName: table, Key: { id: "meta#owner_listing" } }))).Item).toBeUndefined();
  });

  it("on a table without the index yet (code deployed before `terraform apply`): listings keep the old path, the backfill is refused", async () => {
    const { client } = dynalite.countingClient();
    const table = `no-owner-index-${Date.now()}`;
    const definition = tableDefinition(table);
    await client.send(new CreateTableCommand({ ...definition, GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter((index) => index.IndexName !== OWNER_LISTING_INDEX) }));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table });
    const store = new DynamoJobStore(client, table);
    await run(store.insert(newJob("mine", 1000, "me")));
    await run(store.insert(newJob("theirs", 2000, "them")));
    expect(await ids(store, "me")).toEqual(["mine"]);
    expect(JSON.stringify(await Effect.runPromiseExit(store.backfillOwnerListing(3000)))).toContain(`Index ${OWNER_LISTING_INDEX} of table ${table} is missing`);
    expect(await ids(store, "them")).toEqual(["theirs"]);
  });

  it("a first check that failed (the table not there yet) is made again by the next write, not remembered", async () => {
    const { client } = dynalite.countingClient();
    const table = `late-${Date.now()}`;
    const store = new DynamoJobStore(client, table);
    expect(JSON.stringify(await Effect.runPromiseExit(store.insert(newJob("early", 1000, "me"))))).toContain("StorageFailure");
    await client.send(new CreateTableCommand(tableDefinition(table)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table });
    await run(store.insert(newJob("late", 2000, "me")));
    const { reads, client: counting } = dynalite.countingClient();
    expect(await ids(new DynamoJobStore(counting, table), "me")).toEqual(["late"]);
    expect(await ids(store, "me")).toEqual(["late"]);
    // Recorded on the first write that reached the table: the index is read.
    expect((await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: table, Key: { id: "meta#owner_listing" } }))).Item).toMatchObject({ reason: "empty table" });
    expect(reads.scanned).toBe(1);
  });
});
