/**
 * `StoreReadiness` for STORAGE=aws: the table is ACTIVE and the bucket answers. With
 * CREATE_TABLES (development) the first check creates whichever is missing, the table as
 * `tableDefinition` describes it. Once both answered, later checks succeed at once: readiness
 * gates start-up, it is not a health probe of AWS.
 */
import * as Effect from "effect/Effect";
import { StorageFailure } from "@parallax/domain";
import type { StoreReadiness } from "@parallax/application";
import type { AwsClients } from "./aws-clients.js";
import { tableDefinition } from "./table.js";
import { dynamoSdk } from "./dynamodb-sdk.js";

export class AwsStoreReadiness implements StoreReadiness {
  private ready = false;

  constructor(
    private readonly clients: AwsClients,
    private readonly options: { readonly createMissing: boolean },
  ) {}

  get check(): Effect.Effect<void, StorageFailure> {
    return Effect.suspend(() =>
      this.ready
        ? Effect.void
        : Effect.tryPromise({
            try: async () => {
              await this.table();
              await this.bucket();
              this.ready = true;
            },
            catch: (cause) => (cause instanceof StorageFailure ? cause : new StorageFailure({ message: `AWS stores not ready: ${(cause as Error).message}`, cause })),
          }),
    );
  }

  private async table(): Promise<void> {
    const { dynamo, table } = this.clients;
    try {
      const described = await dynamo.send(new (dynamoSdk().DescribeTableCommand)({ TableName: table }));
      if (described.Table?.TableStatus === "ACTIVE" || described.Table?.TableStatus === "UPDATING") return;
      throw new StorageFailure({ message: `DynamoDB table ${table} is ${described.Table?.TableStatus ?? "unknown"}` });
    } catch (error) {
      if (!(error instanceof dynamoSdk().ResourceNotFoundException)) throw error;
      if (!this.options.createMissing) throw new StorageFailure({ message: `DynamoDB table ${table} does not exist (CREATE_TABLES=true creates it in development)`, cause: error });
    }
    try {
      await dynamo.send(new (dynamoSdk().CreateTableCommand)(tableDefinition(table)));
    } catch (error) {
      // Another process created it meanwhile.
      if ((error as { name?: string }).name !== "ResourceInUseException") throw error;
    }
    await dynamoSdk().waitUntilTableExists({ client: dynamo, maxWaitTime: 120, minDelay: 0.05, maxDelay: 1 }, { TableName: table });
  }

  private async bucket(): Promise<void> {
    const { HeadBucketCommand, CreateBucketCommand } = await import("@aws-sdk/client-s3");
    const s3 = await this.clients.s3();
    const bucket = this.clients.bucket;
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) throw error;
      if (!this.options.createMissing) throw new StorageFailure({ message: `S3 bucket ${bucket} does not exist (CREATE_TABLES=true creates it in development)`, cause: error });
    }
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
    }
  }
}
