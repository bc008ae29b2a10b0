/**
 * The AWS clients of one container, made in one place from configuration: a DynamoDB client (and
 * its document client) and an S3 client, each created on first use, so a host on files never
 * builds one. Credentials come from the SDK's default chain; endpoints (DYNAMODB_ENDPOINT,
 * S3_ENDPOINT) point at compatible services. Not here: what is stored (the stores) or the table's
 * shape (`table.ts`).
 */
import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { makeS3Client } from "../tracking/s3-location.js";
import type { AwsConfig } from "./aws.config.js";
import { documentSdk, dynamoSdk } from "./dynamodb-sdk.js";
import { ConfigError } from "../shared/shared.config.js";

export type AwsSettings = Pick<AwsConfig, "DYNAMODB_TABLE" | "S3_BUCKET" | "DYNAMODB_ENDPOINT" | "S3_ENDPOINT" | "AWS_REGION">;

/** A DynamoDB client for the settings; a compatible endpoint gets us-east-1 when no region is set. */
export function makeDynamoClient(settings: Pick<AwsConfig, "DYNAMODB_ENDPOINT" | "AWS_REGION">, overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  const region = settings.AWS_REGION || (settings.DYNAMODB_ENDPOINT ? "us-east-1" : undefined);
  return new (dynamoSdk().DynamoDBClient)({ ...(region ? { region } : {}), ...(settings.DYNAMODB_ENDPOINT ? { endpoint: settings.DYNAMODB_ENDPOINT } : {}), ...overrides });
}

export interface AwsClientOverrides {
  /** Test credentials for local services (dynalite and s3rver accept any key pair). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The clients a store on AWS is built with. A module asked for one without them was composed
 * without the root's clients: a configuration error, never a quiet fallback to files or memory.
 */
export function requireAwsClients(aws: AwsClients | undefined, store: string): AwsClients {
  if (!aws) throw new ConfigError(`${store} on AWS (STORAGE=aws) needs the AWS clients that createContainer passes to its module`);
  return aws;
}

export class AwsClients {
  private dynamoClient: DynamoDBClient | undefined;
  private documentClient: DynamoDBDocumentClient | undefined;
  private s3Client: Promise<S3Client> | undefined;

  constructor(
    readonly settings: AwsSettings,
    private readonly overrides: AwsClientOverrides = {},
  ) {}

  get table(): string {
    return this.settings.DYNAMODB_TABLE;
  }

  get bucket(): string {
    return this.settings.S3_BUCKET;
  }

  get dynamo(): DynamoDBClient {
    return (this.dynamoClient ??= makeDynamoClient(this.settings, this.overrides as DynamoDBClientConfig));
  }

  /** Items as plain objects (numbers, strings, binary), undefined attributes left out. */
  get documents(): DynamoDBDocumentClient {
    return (this.documentClient ??= documentSdk().DynamoDBDocumentClient.from(this.dynamo, { marshallOptions: { removeUndefinedValues: true } }));
  }

  /** The S3 client, its SDK imported on first use (~250 ms a host on files never pays). */
  s3(): Promise<S3Client> {
    return (this.s3Client ??= makeS3Client(this.settings, this.overrides as S3ClientConfig));
  }

  /** Closes the sockets of the clients made so far. */
  async destroy(): Promise<void> {
    this.dynamoClient?.destroy();
    if (this.s3Client) (await this.s3Client).destroy();
  }
}
