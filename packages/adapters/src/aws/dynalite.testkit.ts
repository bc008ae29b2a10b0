/**
 * dynalite alone (DynamoDB's API, in process, on 127.0.0.1 and a free port) with tables made as
 * `tableDefinition` says, and clients that count what their Queries read: `ScannedCount` is what
 * DynamoDB evaluated (and bills), `Count` what it returned, so a test can tell an index read from
 * a filtered one.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createTable, startDynaliteServer } from "./aws-services.testkit.js";

export interface QueryReads {
  scanned: number;
  returned: number;
}

export interface Dynalite {
  readonly endpoint: string;
  /** A new table, created and ACTIVE. */
  table(): Promise<string>;
  /** A client of its own whose Query answers add to `reads` (the document client shares its middleware). */
  countingClient(): { client: DynamoDBClient; reads: QueryReads };
  close(): Promise<void>;
}

let tables = 0;

export async function startDynalite(): Promise<Dynalite> {
  const server = await startDynaliteServer();
  const { endpoint } = server;
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const made = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    clients.push(made);
    return made;
  };
  const admin = client();
  return {
    endpoint,
    async table() {
      const name = `dynalite-${process.pid}-${++tables}`;
      await createTable(admin, name);
      return name;
    },
    countingClient() {
      const counting = client();
      const reads: QueryReads = { scanned: 0, returned: 0 };
      counting.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const output = result.output as { ScannedCount?: number; Count?: number };
          reads.scanned += output.ScannedCount ?? 0;
          reads.returned += output.Count ?? 0;
          return result;
        },
        { step: "initialize", name: "countQueryReads" },
      );
      return { client: counting, reads };
    },
    async close() {
      clients.forEach((made) => made.destroy());
      await server.close();
    },
  };
}
