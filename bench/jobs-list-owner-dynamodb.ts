/**
 * `npm run bench -- jobs --only list_owner.dynamodb`: a non-administrator's job listing on the
 * DynamoDB job store (dynalite, in process) among many other users' jobs: the filter on the
 * `listing` index (a table whose job items predate the `owner_list_key`, not backfilled) against
 * the `owner_listing` index (the same jobs, backfilled), alternating. DynamoDB bills what a Query
 * evaluates (`ScannedCount`), not what it returns: both are printed, with the time dynalite took.
 */
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Effect } from "effect";
import { DynamoJobStore } from "@parallax/adapters/jobs";
import { startDynalite } from "../packages/adapters/src/aws/dynalite.testkit.js";
import { viewerAmongOthers } from "./jobs-list-owner.js";
import { emit, loadAverages, percentile, round } from "./support.js";

export async function listOwnerDynamodb(others = 2_000, mine = 20, samples = 5): Promise<void> {
  const dynalite = await startDynalite();
  try {
    const now = Date.now();
    const jobs = viewerAmongOthers(others, mine, now);
    const [filtered, indexed] = [await dynalite.table(), await dynalite.table()];
    for (const table of [filtered, indexed]) {
      const store = new DynamoJobStore(dynalite.countingClient().client, table);
      for (let i = 0; i < jobs.length; i += 25) await Promise.all(jobs.slice(i, i + 25).map((job) => Effect.runPromise(store.insert(job))));
    }
    // `filtered`: the table as a version before the index left it (no key on any job, nothing recorded).
    const documents = DynamoDBDocumentClient.from(dynalite.countingClient().client);
    for (let i = 0; i < jobs.length; i += 25) {
      await Promise.all(jobs.slice(i, i + 25).map((job) => documents.send(new UpdateCommand({ TableName: filtered, Key: { id: job.id }, UpdateExpression: "REMOVE owner_list_key" }))));
    }
    await documents.send(new DeleteCommand({ TableName: filtered, Key: { id: "meta#owner_listing" } }));
    const paths = { filter: filtered, owner_index: indexed } as const;
    const results: Record<keyof typeof paths, { ms: number[]; scanned: number; returned: number; ids: string }> = {
      filter: { ms: [], scanned: 0, returned: 0, ids: "" },
      owner_index: { ms: [], scanned: 0, returned: 0, ids: "" },
    };
    for (let sample = 0; sample < samples; sample++) {
      const order = sample % 2 === 0 ? (["filter", "owner_index"] as const) : (["owner_index", "filter"] as const);
      for (const path of order) {
        const { client, reads } = dynalite.countingClient();
        const store = new DynamoJobStore(client, paths[path]);
        const started = performance.now();
        const listed = await Effect.runPromise(store.list({ owner: "viewer", limit: mine }));
        results[path].ms.push(performance.now() - started);
        Object.assign(results[path], { scanned: reads.scanned, returned: reads.returned, ids: listed.map((job) => job.id).join(",") });
      }
    }
    if (results.filter.ids !== results.owner_index.ids) throw new Error("the two paths listed different jobs");
    const p50 = (values: number[]) => round(percentile([...values].sort((a, b) => a - b), 50), 1);
    emit("jobs.list_owner.dynamodb", {
      store: "dynamodb (dynalite)",
      jobs_of_others: others,
      jobs_of_viewer: mine,
      limit: mine,
      samples,
      listed: results.owner_index.ids.split(",").length,
      filter: { items_evaluated: results.filter.scanned, items_returned: results.filter.returned, p50_ms: p50(results.filter.ms) },
      owner_index: { items_evaluated: results.owner_index.scanned, items_returned: results.owner_index.returned, p50_ms: p50(results.owner_index.ms) },
      evaluated_ratio: round(results.filter.scanned / Math.max(1, results.owner_index.scanned), 1),
      loadavg_1_5_15: loadAverages(),
    });
  } finally {
    await dynalite.close();
  }
}
